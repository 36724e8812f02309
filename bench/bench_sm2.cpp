// SM2 verifications/s on one core: the suite's path (crypto/sm2_verify.h, a key parsed
// once), the same with a fresh key per signature (parse, ZA and key table each time), and
// OpenSSL's SM2 (crypto/sm2.h, a key parsed once, as the suite verified before), with
// `openssl speed -seconds S ecdsap256` run between them in the same run, so the ratio
// SM2 ÷ P-256 of issue 20 comes out of one process on one machine state.
// docs/benchmarks.md "bench_sm2".
//
//   bench_sm2 [--rounds 3] [--seconds 5] [--openssl-speed 1]
//
// Each round measures the four rates in turn for --seconds each (interleaved, so drift in
// the machine's load shows as spread, not as bias); the summary gives each rate's median
// and range and the ratio per round.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "crypto/sm2.h"
#include "crypto/sm2_verify.h"
#include "crypto/suite.h"

using namespace jchain;
using bench::Clock;
using bench::seconds_since;

namespace {

struct Signed {
    crypto::PublicKey key;
    crypto::Hash digest;
    crypto::Signature sig;
    Bytes der;
};

// Verifications/s of `one(i)` (true when it verified) for `seconds`.
template <class F>
double rate(double seconds, std::size_t count, F&& one) {
    const auto start = Clock::now();
    std::size_t done = 0, ok = 0;
    while (seconds_since(start) < seconds) {
        for (std::size_t i = 0; i < 64; ++i, ++done) ok += one(done % count) ? 1 : 0;
    }
    const double s = seconds_since(start);
    if (ok != done) {
        std::fprintf(stderr, "bench_sm2: %zu of %zu verifications failed\n", done - ok, done);
        std::exit(1);
    }
    return static_cast<double>(done) / s;
}

// `openssl speed -seconds S ecdsap256`'s verify/s, or 0 when it cannot be run.
double openssl_p256(int seconds) {
    const std::string cmd = "openssl speed -seconds " + std::to_string(seconds) + " ecdsap256 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return 0;
    char line[512];
    double verify = 0;
    while (std::fgets(line, sizeof line, p) != nullptr) {
        // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  51471.8  18584.7"
        double sign_s, verify_s, sign_rate, verify_rate;
        if (std::sscanf(line, " 256 bits ecdsa (nistp256) %lfs %lfs %lf %lf", &sign_s, &verify_s, &sign_rate,
                        &verify_rate) == 4)
            verify = verify_rate;
    }
    pclose(p);
    return verify;
}

struct Spread {
    std::vector<double> v;
    double median() const {
        auto s = v;
        std::sort(s.begin(), s.end());
        return s.empty() ? 0 : s[s.size() / 2];
    }
    double min() const { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
    double max() const { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

}  // namespace

int main(int argc, char** argv) {
    const int rounds = static_cast<int>(bench::arg(argc, argv, "--rounds", 3));
    const double seconds = static_cast<double>(bench::arg(argc, argv, "--seconds", 5));
    const bool with_p256 = bench::arg(argc, argv, "--openssl-speed", 1) != 0;

    const crypto::Suite suite = crypto::Suite::sm2_sm3();
    // 16 keys × 64 signatures: the suite's per-thread key cache holds 16 keys, as a
    // validator sees a few signers over and over.
    std::vector<Signed> sigs;
    std::vector<crypto::KeyPair> keys;
    for (int k = 0; k < 16; ++k) keys.push_back(suite.generate_key());
    for (int i = 0; i < 1024; ++i) {
        const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
        const auto digest = suite.hash(as_bytes("bench_sm2 " + std::to_string(i)));
        const auto sig = suite.sign(key, digest);
        sigs.push_back({key.public_key, digest, sig, suite.signature_to_der(sig)});
    }
    std::vector<crypto::sm2::Verifier> openssl_keys;
    for (const auto& k : keys) openssl_keys.push_back(*crypto::sm2::Verifier::from(k.public_key.bytes));

    Spread fast, fresh, openssl, p256;
    std::vector<double> ratios;
    std::printf("round  suite.verify/s  fresh-key/s  openssl-sm2/s  openssl-p256/s  ratio\n");
    for (int round = 0; round < rounds; ++round) {
        const double a = rate(seconds, sigs.size(), [&](std::size_t i) {
            return suite.verify(sigs[i].key, sigs[i].digest, sigs[i].sig);
        });
        const double b = rate(seconds, sigs.size(), [&](std::size_t i) {
            const auto prepared = crypto::PreparedKey::from(suite, sigs[i].key);
            return prepared && prepared->verify(sigs[i].digest, sigs[i].sig);
        });
        const double c = rate(seconds, sigs.size(), [&](std::size_t i) {
            return openssl_keys[i % openssl_keys.size()].verify(sigs[i].digest, sigs[i].der, suite.sm2_user_id());
        });
        const double d = with_p256 ? openssl_p256(static_cast<int>(seconds)) : 0;
        fast.v.push_back(a);
        fresh.v.push_back(b);
        openssl.v.push_back(c);
        if (d > 0) {
            p256.v.push_back(d);
            ratios.push_back(a / d);
        }
        std::printf("%5d  %14.0f  %11.0f  %13.0f  %14.0f  %5.2f\n", round + 1, a, b, c, d, d > 0 ? a / d : 0.0);
        std::fflush(stdout);
    }
    std::printf("\nmedian (min-max) over %d rounds of %.0f s each:\n", rounds, seconds);
    std::printf("  suite.verify (fast, key cached)  %8.0f/s (%.0f-%.0f)\n", fast.median(), fast.min(), fast.max());
    std::printf("  fast, fresh key each signature   %8.0f/s (%.0f-%.0f)\n", fresh.median(), fresh.min(), fresh.max());
    std::printf("  OpenSSL SM2, key parsed once     %8.0f/s (%.0f-%.0f)\n", openssl.median(), openssl.min(),
                openssl.max());
    if (!ratios.empty()) {
        Spread r{ratios};
        std::printf("  openssl speed ecdsap256          %8.0f/s (%.0f-%.0f)\n", p256.median(), p256.min(), p256.max());
        std::printf("  SM2 / P-256, per round           %8.2f   (%.2f-%.2f)\n", r.median(), r.min(), r.max());
    }
    std::printf("  fast / OpenSSL SM2               %8.2f\n", fast.median() / openssl.median());
    return 0;
}
