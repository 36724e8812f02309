#include "crypto/sm2_verify.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif
#include <string>

namespace jchain::crypto::sm2 {
namespace {

// The limb loops are short and fixed: unrolled, they become straight adc/sbb chains
// (GCC's -O2 leaves them as loops otherwise); the small helpers are forced inline.
#define SM2_UNROLL _Pragma("GCC unroll 8")
#define SM2_INLINE inline __attribute__((always_inline))

using u64 = std::uint64_t;
__extension__ using u128 = unsigned __int128;  // GCC and Clang; __extension__ quiets -Wpedantic

// 256-bit integers and field elements: four 64-bit limbs, least significant first.
struct U256 {
    u64 v[4];
};

// p = 2^256 − 2^224 − 2^96 + 2^64 − 1, n the order of G (GB/T 32918.5).
constexpr U256 kP = {{0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFF00000000ull, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFEFFFFFFFFull}};
constexpr U256 kN = {{0x53BBF40939D54123ull, 0x7203DF6B21C6052Bull, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFEFFFFFFFFull}};

// The curve's constants as GB/T 32918.5 prints them (big-endian), for ZA and the tables.
constexpr std::uint8_t kA_bytes[32] = {0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                       0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00,
                                       0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC};
constexpr std::uint8_t kB_bytes[32] = {0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E,
                                       0x4B, 0xCF, 0x65, 0x09, 0xA7, 0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB,
                                       0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93};
constexpr std::uint8_t kGx_bytes[32] = {0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04,
                                        0x46, 0x6A, 0x39, 0xC9, 0x94, 0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66,
                                        0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7};
constexpr std::uint8_t kGy_bytes[32] = {0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE,
                                        0xE3, 0x6B, 0x69, 0x21, 0x53, 0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A,
                                        0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};

U256 load(const std::uint8_t* be) {
    U256 out{};
    for (int i = 0; i < 4; ++i) {
        u64 limb = 0;
        for (int j = 0; j < 8; ++j) limb = (limb << 8) | be[(3 - i) * 8 + j];
        out.v[i] = limb;
    }
    return out;
}

void store(const U256& x, std::uint8_t* be) {
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 8; ++j) be[(3 - i) * 8 + j] = static_cast<std::uint8_t>(x.v[i] >> (56 - 8 * j));
}

bool is_zero(const U256& a) { return (a.v[0] | a.v[1] | a.v[2] | a.v[3]) == 0; }
bool equal(const U256& a, const U256& b) {
    return ((a.v[0] ^ b.v[0]) | (a.v[1] ^ b.v[1]) | (a.v[2] ^ b.v[2]) | (a.v[3] ^ b.v[3])) == 0;
}
bool geq(const U256& a, const U256& b) {
    SM2_UNROLL
    for (int i = 3; i >= 0; --i)
        if (a.v[i] != b.v[i]) return a.v[i] > b.v[i];
    return true;
}

// Add and subtract with carry: the x86-64 intrinsics compile to adc/sbb chains.
SM2_INLINE u64 adc(u64 a, u64 b, unsigned char& carry) {
#if defined(__x86_64__)
    unsigned long long r;
    carry = _addcarry_u64(carry, a, b, &r);
    return r;
#else
    const u128 s = static_cast<u128>(a) + b + carry;
    carry = static_cast<unsigned char>(s >> 64);
    return static_cast<u64>(s);
#endif
}
SM2_INLINE u64 sbb(u64 a, u64 b, unsigned char& borrow) {
#if defined(__x86_64__)
    unsigned long long r;
    borrow = _subborrow_u64(borrow, a, b, &r);
    return r;
#else
    const u128 d = static_cast<u128>(a) - b - borrow;
    borrow = static_cast<unsigned char>((d >> 64) & 1);
    return static_cast<u64>(d);
#endif
}

// r = a + b, returning the carry out.
SM2_INLINE u64 add_raw(U256& r, const U256& a, const U256& b) {
    unsigned char c = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) r.v[i] = adc(a.v[i], b.v[i], c);
    return c;
}

// r = a − b, returning the borrow out.
SM2_INLINE u64 sub_raw(U256& r, const U256& a, const U256& b) {
    unsigned char c = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) r.v[i] = sbb(a.v[i], b.v[i], c);
    return c;
}

// ---- The field, in Montgomery form x·2^256 mod p; every value fully reduced (< p), so
// equality of limbs is equality of elements.
using Fe = U256;

// x (with `high`, a 257th bit) minus p when x ≥ p; x < 2p. Branch-free: the sign of the
// subtraction picks the result.
SM2_INLINE Fe reduce_once(const Fe& x, u64 high) {
    Fe d;
    unsigned char b = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) d.v[i] = sbb(x.v[i], kP.v[i], b);
    const u64 keep_x = static_cast<u64>(0) - static_cast<u64>(sbb(high, 0, b) >> 63);  // all ones when x < p
    Fe r;
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) r.v[i] = (x.v[i] & keep_x) | (d.v[i] & ~keep_x);
    return r;
}

SM2_INLINE Fe fadd(const Fe& a, const Fe& b) {
    Fe r;
    const u64 carry = add_raw(r, a, b);
    return reduce_once(r, carry);
}

SM2_INLINE Fe fsub(const Fe& a, const Fe& b) {
    Fe r;
    const u64 mask = static_cast<u64>(0) - sub_raw(r, a, b);  // add p back on a borrow
    unsigned char c = 0;
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) r.v[i] = adc(r.v[i], kP.v[i] & mask, c);
    return r;
}

// Montgomery reduction of a 512-bit t < p·2^256 to t·2^-256 mod p. p ≡ −1 mod 2^64, so
// each round's multiplier m is the low limb itself, and m·p needs no multiplication:
// t + m·p = t − m + m·2^64 − m·2^96 − m·2^224 + m·2^256, whose low limb is 0; relative
// to the next limb that adds m + m·2^192 − (m·2^32 + m·2^160) (non-negative).
SM2_INLINE Fe mont_reduce(u64 t[8]) {
    u64 top = 0;  // carries out of t[7]
    SM2_UNROLL
    for (int i = 0; i < 4; ++i) {
        const u64 m = t[i], lo = m << 32, hi = m >> 32;
        unsigned char b = 0;
        const u64 d0 = sbb(m, lo, b);
        const u64 d1 = sbb(0, hi, b);
        const u64 d2 = sbb(0, lo, b);
        const u64 d3 = sbb(m, hi, b);  // no borrow out: m + m·2^192 ≥ m·2^32 + m·2^160
        unsigned char c = 0;
        t[i + 1] = adc(t[i + 1], d0, c);
        t[i + 2] = adc(t[i + 2], d1, c);
        t[i + 3] = adc(t[i + 3], d2, c);
        t[i + 4] = adc(t[i + 4], d3, c);
        SM2_UNROLL
        for (int j = i + 5; j < 8; ++j) t[j] = adc(t[j], 0, c);
        top += c;
    }
    return reduce_once(Fe{{t[4], t[5], t[6], t[7]}}, top);  // < 2p
}

// Montgomery product a·b·2^-256 mod p.
Fe fmul(const Fe& a, const Fe& b) {
    u64 t[8];
    u128 c = 0;
    SM2_UNROLL
    for (int j = 0; j < 4; ++j) {
        c += static_cast<u128>(a.v[j]) * b.v[0];
        t[j] = static_cast<u64>(c);
        c >>= 64;
    }
    t[4] = static_cast<u64>(c);
    SM2_UNROLL
    for (int i = 1; i < 4; ++i) {
        c = 0;
        SM2_UNROLL
        for (int j = 0; j < 4; ++j) {
            c += static_cast<u128>(a.v[j]) * b.v[i] + t[i + j];
            t[i + j] = static_cast<u64>(c);
            c >>= 64;
        }
        t[i + 4] = static_cast<u64>(c);
    }
    return mont_reduce(t);
}

// Montgomery square: the six cross products once, doubled, plus the four squares.
Fe fsqr(const Fe& a) {
    u64 t[8];
    u128 c;
    // Cross products a_i·a_j, i < j, into t[1..6].
    c = static_cast<u128>(a.v[1]) * a.v[0];
    t[1] = static_cast<u64>(c);
    c >>= 64;
    c += static_cast<u128>(a.v[2]) * a.v[0];
    t[2] = static_cast<u64>(c);
    c >>= 64;
    c += static_cast<u128>(a.v[3]) * a.v[0];
    t[3] = static_cast<u64>(c);
    t[4] = static_cast<u64>(c >> 64);
    c = static_cast<u128>(a.v[2]) * a.v[1] + t[3];
    t[3] = static_cast<u64>(c);
    c >>= 64;
    c += static_cast<u128>(a.v[3]) * a.v[1] + t[4];
    t[4] = static_cast<u64>(c);
    t[5] = static_cast<u64>(c >> 64);
    c = static_cast<u128>(a.v[3]) * a.v[2] + t[5];
    t[5] = static_cast<u64>(c);
    t[6] = static_cast<u64>(c >> 64);
    // Doubled.
    t[7] = t[6] >> 63;
    SM2_UNROLL
    for (int i = 6; i > 1; --i) t[i] = (t[i] << 1) | (t[i - 1] >> 63);
    t[1] <<= 1;
    // Plus the squares a_i^2 at limbs 2i, 2i+1.
    unsigned char cf = 0;
    c = static_cast<u128>(a.v[0]) * a.v[0];
    t[0] = static_cast<u64>(c);
    t[1] = adc(t[1], static_cast<u64>(c >> 64), cf);
    SM2_UNROLL
    for (int i = 1; i < 4; ++i) {
        c = static_cast<u128>(a.v[i]) * a.v[i];
        t[2 * i] = adc(t[2 * i], static_cast<u64>(c), cf);
        t[2 * i + 1] = adc(t[2 * i + 1], static_cast<u64>(c >> 64), cf);
    }
    return mont_reduce(t);
}

// Constants derived at first use: R mod p is 2^224 + 2^96 − 2^64 + 1 (the Montgomery
// one), and R^2 mod p by doubling it 256 times.
struct FieldConstants {
    Fe one{{1, 0x00000000FFFFFFFFull, 0, 0x0000000100000000ull}};
    Fe r2{};
    Fe b{};  // the curve's b, Montgomery form
    FieldConstants() {
        r2 = one;
        for (int i = 0; i < 256; ++i) r2 = fadd(r2, r2);
        b = fmul(load(kB_bytes), r2);
    }
};
const FieldConstants& fc() {
    static const FieldConstants c;
    return c;
}

Fe to_mont(const U256& x) { return fmul(x, fc().r2); }  // x < p
U256 from_mont(const Fe& x) { return fmul(x, U256{{1, 0, 0, 0}}); }

Fe fpow(const Fe& a, const U256& e) {
    Fe r = fc().one;
    for (int i = 255; i >= 0; --i) {
        r = fsqr(r);
        if ((e.v[i / 64] >> (i % 64)) & 1) r = fmul(r, a);
    }
    return r;
}

Fe finv(const Fe& a) {  // a ≠ 0: a^(p−2)
    U256 e = kP;
    e.v[0] -= 2;
    return fpow(a, e);
}

// x^3 − 3x + b.
Fe curve_rhs(const Fe& x) {
    const Fe x3 = fmul(fsqr(x), x);
    const Fe three_x = fadd(fadd(x, x), x);
    return fadd(fsub(x3, three_x), fc().b);
}

// ---- Points. Jacobian (X, Y, Z) is the affine (X/Z^2, Y/Z^3); `inf` marks infinity.
struct Affine {
    Fe x, y;
};
struct Jacobian {
    Fe x, y, z;
    bool inf = true;
};

// dbl-2001-b, with a = −3: 3M + 5S.
Jacobian dbl(const Jacobian& p) {
    if (p.inf) return p;
    const Fe delta = fsqr(p.z);
    const Fe gamma = fsqr(p.y);
    const Fe beta = fmul(p.x, gamma);
    const Fe t = fmul(fsub(p.x, delta), fadd(p.x, delta));
    const Fe alpha = fadd(fadd(t, t), t);
    const Fe beta4 = fadd(fadd(beta, beta), fadd(beta, beta));
    Jacobian r;
    r.x = fsub(fsqr(alpha), fadd(beta4, beta4));
    r.z = fsub(fsub(fsqr(fadd(p.y, p.z)), gamma), delta);
    const Fe gamma2 = fsqr(gamma);
    const Fe gamma2_2 = fadd(gamma2, gamma2);
    const Fe gamma2_8 = fadd(fadd(gamma2_2, gamma2_2), fadd(gamma2_2, gamma2_2));
    r.y = fsub(fmul(alpha, fsub(beta4, r.x)), gamma2_8);
    r.inf = is_zero(r.z);  // only a point of order 2, which this curve has none of
    return r;
}

// The sum from U1, S1 (p's coordinates scaled to the common denominator), H = U2 − U1,
// R = S2 − S1 and the new Z before its factor H (add-1998-cmo-2).
Jacobian add_finish(const Fe& u1, const Fe& s1, const Fe& h, const Fe& r, const Fe& z_without_h) {
    const Fe hh = fsqr(h);
    const Fe hhh = fmul(h, hh);
    const Fe v = fmul(u1, hh);
    Jacobian out;
    out.x = fsub(fsub(fsqr(r), hhh), fadd(v, v));
    out.y = fsub(fmul(r, fsub(v, out.x)), fmul(s1, hhh));
    out.z = fmul(z_without_h, h);
    out.inf = false;
    return out;
}

// p + q, q affine (8M + 3S); q negated when `negate`.
Jacobian add_affine(const Jacobian& p, const Affine& q, bool negate) {
    const Fe qy = negate ? fsub(Fe{}, q.y) : q.y;
    if (p.inf) return Jacobian{q.x, qy, fc().one, false};
    const Fe z1z1 = fsqr(p.z);
    const Fe u2 = fmul(q.x, z1z1);
    const Fe s2 = fmul(qy, fmul(p.z, z1z1));
    const Fe h = fsub(u2, p.x);
    const Fe r = fsub(s2, p.y);
    if (is_zero(h)) return is_zero(r) ? dbl(p) : Jacobian{};
    return add_finish(p.x, p.y, h, r, p.z);
}

// p + q, both Jacobian (12M + 4S).
Jacobian add(const Jacobian& p, const Jacobian& q) {
    if (p.inf) return q;
    if (q.inf) return p;
    const Fe z1z1 = fsqr(p.z);
    const Fe z2z2 = fsqr(q.z);
    const Fe u1 = fmul(p.x, z2z2);
    const Fe u2 = fmul(q.x, z1z1);
    const Fe s1 = fmul(p.y, fmul(q.z, z2z2));
    const Fe s2 = fmul(q.y, fmul(p.z, z1z1));
    const Fe h = fsub(u2, u1);
    const Fe r = fsub(s2, s1);
    if (is_zero(h)) return is_zero(r) ? dbl(p) : Jacobian{};
    return add_finish(u1, s1, h, r, fmul(p.z, q.z));
}

// The odd multiples 1·p, 3·p, …, (2·count − 1)·p in affine form (one inversion for all).
// p is a finite point of prime order n, so no multiple below n is infinity.
template <std::size_t count>
std::array<Affine, count> odd_multiples(const Affine& p) {
    std::array<Jacobian, count> jac;
    jac[0] = Jacobian{p.x, p.y, fc().one, false};
    const Jacobian twice = dbl(jac[0]);
    for (std::size_t i = 1; i < count; ++i) jac[i] = add(jac[i - 1], twice);
    std::array<Fe, count> prefix;  // z0·z1·…·zi
    prefix[0] = jac[0].z;
    for (std::size_t i = 1; i < count; ++i) prefix[i] = fmul(prefix[i - 1], jac[i].z);
    Fe inv = finv(prefix[count - 1]);
    std::array<Affine, count> out;
    for (std::size_t i = count; i-- > 0;) {
        const Fe zinv = i == 0 ? inv : fmul(inv, prefix[i - 1]);
        if (i > 0) inv = fmul(inv, jac[i].z);
        const Fe zinv2 = fsqr(zinv);
        out[i] = Affine{fmul(jac[i].x, zinv2), fmul(jac[i].y, fmul(zinv2, zinv))};
    }
    return out;
}

// s·G + t·P is computed as s0·G + s1·G' + t0·P + t1·P' with G' = 2^128·G, P' = 2^128·P and
// s = s0 + 2^128·s1 (likewise t): 128 doublings shared by four wNAF digit streams instead
// of 256 by two. G's tables are built once per process; a key's when it is parsed (the
// node keeps parsed keys: crypto::PreparedKey), at the cost of 128 doublings and one
// more table.
constexpr int kWindowG = 8;  // 64 odd multiples of G and of G'
constexpr int kWindowP = 6;  // 16 odd multiples of the key and of 2^128 times it
constexpr int kHalfBits = 128;

Affine to_affine(const Jacobian& p) {  // p finite
    const Fe zinv = finv(p.z);
    const Fe zinv2 = fsqr(zinv);
    return Affine{fmul(p.x, zinv2), fmul(p.y, fmul(zinv2, zinv))};
}

Affine times_2_128(const Affine& p) {
    Jacobian j{p.x, p.y, fc().one, false};
    for (int i = 0; i < kHalfBits; ++i) j = dbl(j);
    return to_affine(j);
}

template <int window>
using HalfTables = std::array<std::array<Affine, 1u << (window - 2)>, 2>;

template <int window>
HalfTables<window> half_tables(const Affine& p) {
    return {odd_multiples<1u << (window - 2)>(p), odd_multiples<1u << (window - 2)>(times_2_128(p))};
}

const HalfTables<kWindowG>& g_tables() {
    static const auto tables = half_tables<kWindowG>(Affine{to_mont(load(kGx_bytes)), to_mont(load(kGy_bytes))});
    return tables;
}

// Width-w NAF of k (k < 2^256): digits odd or zero, |digit| < 2^(w−1), least significant
// first. Returns the number of digits (at most 257; at most 129 for k < 2^128).
int wnaf(std::int8_t* out, const U256& k, int w) {
    u64 d[5] = {k.v[0], k.v[1], k.v[2], k.v[3], 0};
    const u64 mask = (u64{1} << w) - 1;
    const std::int64_t half = std::int64_t{1} << (w - 1);
    int len = 0;
    while ((d[0] | d[1] | d[2] | d[3] | d[4]) != 0) {
        std::int64_t digit = 0;
        if (d[0] & 1) {
            digit = static_cast<std::int64_t>(d[0] & mask);
            if (digit >= half) digit -= std::int64_t{1} << w;
            if (digit > 0) {
                d[0] -= static_cast<u64>(digit);  // the low bits are the digit: no borrow
            } else {
                u128 c = static_cast<u128>(d[0]) + static_cast<u64>(-digit);
                d[0] = static_cast<u64>(c);
                for (int i = 1; i < 5 && (c >> 64) != 0; ++i) {
                    c = static_cast<u128>(d[i]) + 1;
                    d[i] = static_cast<u64>(c);
                }
            }
        }
        out[len++] = static_cast<std::int8_t>(digit);
        for (int i = 0; i < 4; ++i) d[i] = (d[i] >> 1) | (d[i + 1] << 63);
        d[4] >>= 1;
    }
    return len;
}

}  // namespace

struct FastVerifier::Table {
    HalfTables<kWindowP> odd;  // odd multiples of P, and of 2^128·P
};

std::optional<FastVerifier> FastVerifier::from(ByteSpan sec1) {
    // As OpenSSL's EC_POINT_oct2point: coordinates below p, the point on the curve; for
    // the compressed form y is the root of x^3 − 3x + b whose parity the prefix names.
    Fe x, y;
    if (sec1.size() == 33 && (sec1[0] == 0x02 || sec1[0] == 0x03)) {
        const U256 xr = load(sec1.data() + 1);
        if (geq(xr, kP)) return std::nullopt;
        x = to_mont(xr);
        const Fe rhs = curve_rhs(x);
        U256 e = kP;  // (p + 1) / 4: p ≡ 3 mod 4
        e.v[0] += 1;  // p0 = 2^64 − 1: carries into the next limb
        e.v[1] += 1;
        for (int i = 0; i < 4; ++i) e.v[i] = (e.v[i] >> 2) | (i < 3 ? e.v[i + 1] << 62 : 0);
        y = fpow(rhs, e);
        if (!equal(fsqr(y), rhs)) return std::nullopt;
        const bool odd = from_mont(y).v[0] & 1;
        if (odd != (sec1[0] == 0x03)) {
            if (is_zero(y)) return std::nullopt;
            y = fsub(Fe{}, y);
        }
    } else if (sec1.size() == 65 && sec1[0] == 0x04) {
        const U256 xr = load(sec1.data() + 1), yr = load(sec1.data() + 33);
        if (geq(xr, kP) || geq(yr, kP)) return std::nullopt;
        x = to_mont(xr);
        y = to_mont(yr);
        if (!equal(fsqr(y), curve_rhs(x))) return std::nullopt;
    } else {
        return std::nullopt;
    }
    FastVerifier out;
    out.point_[0] = 0x04;
    store(from_mont(x), out.point_.data() + 1);
    store(from_mont(y), out.point_.data() + 33);
    auto table = std::make_shared<Table>();
    table->odd = half_tables<kWindowP>(Affine{x, y});
    out.table_ = std::move(table);
    return out;
}

Hash FastVerifier::za(std::string_view id) const {
    std::string buf;
    buf.reserve(2 + id.size() + 6 * 32);
    const std::size_t entl = id.size() * 8;
    buf.push_back(static_cast<char>((entl >> 8) & 0xFF));
    buf.push_back(static_cast<char>(entl & 0xFF));
    buf.append(id);
    for (const std::uint8_t* part : {kA_bytes, kB_bytes, kGx_bytes, kGy_bytes})
        buf.append(reinterpret_cast<const char*>(part), 32);
    buf.append(reinterpret_cast<const char*>(point_.data() + 1), 64);
    return sm3(ByteSpan(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()));
}

bool FastVerifier::verify_e(const Hash& e_bytes, ByteSpan rs) const {
    if (rs.size() != 64) return false;
    const U256 r = load(rs.data()), s = load(rs.data() + 32);
    if (is_zero(r) || is_zero(s) || geq(r, kN) || geq(s, kN)) return false;
    U256 t;
    if (add_raw(t, r, s) || geq(t, kN)) sub_raw(t, t, kN);
    if (is_zero(t)) return false;

    // Digits of the low and high 128 bits of s and t (at most 129 each).
    std::int8_t digits[4][132];
    int lengths[4];
    lengths[0] = wnaf(digits[0], U256{{s.v[0], s.v[1], 0, 0}}, kWindowG);
    lengths[1] = wnaf(digits[1], U256{{s.v[2], s.v[3], 0, 0}}, kWindowG);
    lengths[2] = wnaf(digits[2], U256{{t.v[0], t.v[1], 0, 0}}, kWindowP);
    lengths[3] = wnaf(digits[3], U256{{t.v[2], t.v[3], 0, 0}}, kWindowP);
    const auto& gt = g_tables();
    const auto& pt = table_->odd;
    Jacobian acc;
    for (int i = std::max(std::max(lengths[0], lengths[1]), std::max(lengths[2], lengths[3])) - 1; i >= 0; --i) {
        acc = dbl(acc);
        for (int part = 0; part < 4; ++part) {
            if (i >= lengths[part]) continue;
            const int d = digits[part][i];
            if (d == 0) continue;
            const Affine& q = part < 2 ? gt[part][(std::abs(d) - 1) / 2] : pt[part - 2][(std::abs(d) - 1) / 2];
            acc = add_affine(acc, q, d < 0);
        }
    }
    if (acc.inf) return false;

    // (e + x1) mod n == r, with x1 = X/Z^2 < p < 2n: x1 is r − e mod n, or that plus n
    // when it stays below p. Compared as X == x1·Z^2, which needs no inversion.
    U256 e = load(e_bytes.data());
    if (geq(e, kN)) sub_raw(e, e, kN);
    U256 x1;
    if (sub_raw(x1, r, e)) add_raw(x1, x1, kN);
    const Fe zz = fsqr(acc.z);
    if (equal(fmul(to_mont(x1), zz), acc.x)) return true;
    U256 x1n;
    if (add_raw(x1n, x1, kN) || geq(x1n, kP)) return false;
    return equal(fmul(to_mont(x1n), zz), acc.x);
}

bool FastVerifier::verify(ByteSpan message, ByteSpan rs, std::string_view id) const {
    if (id.size() >= 8191) return false;  // as OpenSSL: ENTL below UINT16_MAX, whole bytes
    const Hash z = za(id);
    Sha256 h(Sha256::Algorithm::sm3);
    h.update(z);
    h.update(message);
    return verify_e(h.finish(), rs);
}

}  // namespace jchain::crypto::sm2
