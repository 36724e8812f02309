#include "report/certificate.h"

#include <algorithm>
#include <cairo-pdf.h>
#include <cairo.h>
#include <cstdio>
#include <ctime>
#include <glib.h>
#include <memory>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "chain/json_codec.h"
#include "chain/receipt.h"

namespace jchain::report {

namespace json = boost::json;

// ---- the facts ---------------------------------------------------------------------

Result<VerifiedReceipt> VerifiedReceipt::verify(const json::value& receipt, const chain::Genesis& genesis,
                                                const std::optional<chain::Hash>& file_hash,
                                                const std::vector<chain::Witness>& witnesses, bool accept_validators_only) {
    const chain::ReceiptVerdict verdict =
        chain::verify_receipt(receipt, genesis, file_hash, witnesses, accept_validators_only);
    if (!verdict.ok) {
        for (const auto& c : verdict.checks)
            if (!c.ok) return Status::error(c.name + ": " + c.detail);
        return Status::error("receipt does not verify");
    }
    // Every part below was checked by verify_receipt; decoding it again cannot fail.
    assert(verdict.record && verdict.header);
    const json::object& r = receipt.as_object();
    const crypto::Suite& suite = genesis.suite;
    auto set = chain::validator_set_from_json(suite, r.at("validator_set"));
    auto cert = chain::certificate_from_json(suite, r.at("commit"));
    auto state = chain::state_view_from_json(suite, r.at("state"));
    assert(set && cert && state);

    VerifiedReceipt v;
    v.record_ = *verdict.record;
    v.disclosed_ = verdict.disclosed;
    v.suite_ = suite;
    v.record_id_ = chain::record_id(suite, v.record_);
    v.header_ = *verdict.header;
    v.block_hash_ = chain::block_hash(suite, v.header_);
    v.genesis_hash_ = chain::genesis_hash(genesis);
    v.file_checked_ = file_hash.has_value();
    v.basis_ = verdict.basis;
    v.basis_text_ = verdict.basis_text;
    for (const auto& m : state->members)
        if (m.key == v.record_.submitter) {
            v.submitter_name_ = m.name;
            v.submitter_role_ = m.role;
        }
    if (v.submitter_name_.empty())
        if (const chain::Validator* val = set->find(v.record_.submitter)) {
            v.submitter_name_ = val->name;
            v.submitter_role_ = "validator";
        }
    v.total_power_ = set->total_power();
    for (const auto& s : cert->signatures) {
        const chain::Validator* val = set->find(s.validator);
        assert(val);  // check_certificate: every signer is in the set
        v.signers_.push_back({val->name, val->key, val->power});
        v.signed_power_ += val->power;
    }
    return v;
}

// ---- small pure helpers ------------------------------------------------------------

Status check_verify_url_template(std::string_view tmpl) {
    if (tmpl.size() > verify_url_bytes_max)
        return Status::error("verify URL template is longer than " + std::to_string(verify_url_bytes_max) + " bytes");
    if (!tmpl.starts_with("http://") && !tmpl.starts_with("https://"))
        return Status::error("verify URL template must start with http:// or https://");
    for (char ch : tmpl)
        if (ch <= ' ' || ch >= 0x7f) return Status::error("verify URL template must be printable ASCII without spaces");
    if (tmpl.find(record_id_placeholder) == std::string_view::npos)
        return Status::error("verify URL template must contain {record_id}");
    return Status::ok();
}

std::string verify_url(std::string_view tmpl, const chain::Hash& record_id) {
    const std::string id = to_hex(record_id);
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        if (tmpl.substr(i).starts_with(record_id_placeholder)) {
            out += id;
            i += record_id_placeholder.size();
        } else {
            out += tmpl[i++];
        }
    }
    return out;
}

namespace {

std::string format_shifted(std::uint64_t ms, std::int64_t shift_ms, const char* zone) {
    const std::time_t t = static_cast<std::time_t>((static_cast<std::int64_t>(ms) + shift_ms) / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%s.%03u %s", date, static_cast<unsigned>(ms % 1000), zone);
    return out;
}

}  // namespace

std::string format_utc(std::uint64_t ms) { return format_shifted(ms, 0, "UTC"); }
std::string format_beijing(std::uint64_t ms) { return format_shifted(ms, 8 * 3600 * 1000, "北京时间 (UTC+8)"); }

// ---- rendering ---------------------------------------------------------------------

namespace {

// fonts-wqy-microhei (docs/certificate.md): a proportional face for text and a monospaced
// one, with the same CJK glyphs, for hashes and commands.
constexpr const char* font_text = "WenQuanYi Micro Hei";
constexpr const char* font_mono = "WenQuanYi Micro Hei Mono";

// A4 in PostScript points, and the page's grid.
constexpr double page_w = 595.276, page_h = 841.890;
constexpr double margin = 48;
constexpr double label_w = 132;
constexpr double gap = 10;
constexpr double value_x = margin + label_w + gap;
constexpr double value_w = page_w - margin - value_x;
constexpr double qr_side = 118;  // the QR code with its quiet zone, about 42 mm

std::string chinese_kind(chain::Kind k) {
    switch (k) {
        case chain::Kind::evidence: return "电子证据";
        case chain::Kind::service: return "送达凭证";
        case chain::Kind::notice: return "通知公告";
        case chain::Kind::judgment: return "裁判文书";
        case chain::Kind::order: return "令状与执行措施";
        case chain::Kind::operation: return "高风险操作";
        case chain::Kind::handover: return "案件移交";
        case chain::Kind::correction: return "更正或撤销";
        case chain::Kind::governance: return "链治理";
    }
    return "";
}

std::string chinese_role(const std::string& role) {
    if (role == "court") return "法院";
    if (role == "procuratorate") return "检察院";
    if (role == "police") return "公安机关";
    if (role == "notary") return "公证机构";
    if (role == "auditor") return "审计机构";
    if (role == "validator") return "验证节点";
    return "";
}

// Text from a receipt as Pango markup: valid UTF-8 (the codecs already insist on it,
// this is belt and braces) with the markup characters escaped.
std::string esc(std::string_view text) {
    gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
    gchar* escaped = g_markup_escape_text(valid, -1);
    std::string out(escaped);
    g_free(escaped);
    g_free(valid);
    return out;
}

// Hashes and commands. The face's Latin advance is 0.8 em: a 66-hex key fits the value
// column on one line at 6.5 pt.
std::string mono(const std::string& text, double size_pt = 6.5) {
    return "<span font_family=\"" + std::string(font_mono) + "\" size=\"" + std::to_string(int(size_pt * 1024)) + "\">" +
           esc(text) + "</span>";
}
std::string small(const std::string& markup) { return "<span size=\"7680\" foreground=\"#555555\">" + markup + "</span>"; }

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { if (p) F(p); }
};
void unref_layout(PangoLayout* l) { g_object_unref(l); }
void unref_context(PangoContext* c) { g_object_unref(c); }
void free_font(PangoFontDescription* f) { pango_font_description_free(f); }
using LayoutPtr = std::unique_ptr<PangoLayout, Deleter<PangoLayout, unref_layout>>;
using ContextPtr = std::unique_ptr<PangoContext, Deleter<PangoContext, unref_context>>;
using FontPtr = std::unique_ptr<PangoFontDescription, Deleter<PangoFontDescription, free_font>>;
using QrPtr = std::unique_ptr<QRcode, Deleter<QRcode, QRcode_free>>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, Deleter<cairo_surface_t, cairo_surface_destroy>>;
using CairoPtr = std::unique_ptr<cairo_t, Deleter<cairo_t, cairo_destroy>>;

// True when fontconfig knows `family` (pango would otherwise substitute silently, and a
// font without CJK glyphs would print empty boxes).
bool have_family(PangoFontMap* map, const char* family) {
    PangoFontFamily** families = nullptr;
    int n = 0;
    pango_font_map_list_families(map, &families, &n);
    bool found = false;
    for (int i = 0; i < n && !found; ++i) found = g_ascii_strcasecmp(pango_font_family_get_name(families[i]), family) == 0;
    g_free(families);
    return found;
}

class Page {
public:
    // Text is laid out unhinted and at fractional positions, as a PDF prints it, so that
    // a hash measured to fit its column does fit.
    explicit Page(cairo_t* cr) : cr_(cr), context_(pango_cairo_create_context(cr)) {
        pango_context_set_round_glyph_positions(context_.get(), FALSE);
        cairo_font_options_t* fo = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
        pango_cairo_context_set_font_options(context_.get(), fo);
        cairo_font_options_destroy(fo);
    }

    // Lays out markup in a box `width` wide at (x, y) and draws it; returns its height.
    double text(double x, double y, double width, const std::string& markup, double size_pt, bool bold = false,
                PangoAlignment align = PANGO_ALIGN_LEFT) {
        LayoutPtr layout(pango_layout_new(context_.get()));
        FontPtr font(pango_font_description_new());
        pango_font_description_set_family(font.get(), font_text);
        pango_font_description_set_size(font.get(), static_cast<int>(size_pt * PANGO_SCALE));
        if (bold) pango_font_description_set_weight(font.get(), PANGO_WEIGHT_BOLD);
        pango_layout_set_font_description(layout.get(), font.get());
        pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
        pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);  // long hex breaks anywhere rather than overflow
        pango_layout_set_alignment(layout.get(), align);
        // No hyphen where a hash or URL breaks: it would read as part of it.
        const std::string all = "<span insert_hyphens=\"false\">" + markup + "</span>";
        pango_layout_set_markup(layout.get(), all.c_str(), -1);
        int w = 0, h = 0;
        pango_layout_get_size(layout.get(), &w, &h);
        cairo_move_to(cr_, x, y);
        pango_cairo_show_layout(cr_, layout.get());
        return static_cast<double>(h) / PANGO_SCALE;
    }

    // One field: a bilingual label at the left, its value beside it.
    void row(const std::string& zh, const std::string& en, const std::string& value_markup) {
        cairo_set_source_rgb(cr_, 0.25, 0.25, 0.25);
        double lh = text(margin, y, label_w, "<b>" + zh + "</b>\n" + small(en), 9);
        cairo_set_source_rgb(cr_, 0, 0, 0);
        double vh = text(value_x, y, value_w, value_markup, 9);
        y += std::max(lh, vh) + 4;
        rule(0.85, 0.4);
        y += 4;
    }

    void rule(double grey, double width_pt, double x0 = margin, double x1 = page_w - margin) {
        cairo_set_source_rgb(cr_, grey, grey, grey);
        cairo_set_line_width(cr_, width_pt);
        cairo_move_to(cr_, x0, y);
        cairo_line_to(cr_, x1, y);
        cairo_stroke(cr_);
        cairo_set_source_rgb(cr_, 0, 0, 0);
    }

    // The QR code at (x, y), `side` points wide with its 4-module quiet zone; dark modules
    // are filled rectangles, one per horizontal run so that no hairline shows between.
    void qr(const QRcode& code, double x, double y0, double side) {
        const int quiet = 4;
        const int n = code.width;
        const double m = side / (n + 2 * quiet);
        cairo_set_source_rgb(cr_, 1, 1, 1);
        cairo_rectangle(cr_, x, y0, side, side);
        cairo_fill(cr_);
        cairo_set_source_rgb(cr_, 0, 0, 0);
        for (int row = 0; row < n; ++row) {
            for (int col = 0; col < n;) {
                if (!(code.data[row * n + col] & 1)) {
                    ++col;
                    continue;
                }
                int end = col;
                while (end < n && (code.data[row * n + end] & 1)) ++end;
                cairo_rectangle(cr_, x + (quiet + col) * m, y0 + (quiet + row) * m, (end - col) * m, m);
                col = end;
            }
        }
        cairo_fill(cr_);
    }

    cairo_t* cr() const { return cr_; }
    double y = margin;

private:
    cairo_t* cr_;
    ContextPtr context_;
};

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

std::string iso_date(std::uint64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

void draw(Page& p, const VerifiedReceipt& v, const CertificateOptions& o, const std::string& url, const QRcode& code) {
    const chain::Record& rec = v.record();
    const chain::BlockHeader& h = v.header();

    // Title.
    p.text(margin, p.y, page_w - 2 * margin, "存证证明", 24, true, PANGO_ALIGN_CENTER);
    p.y += 36;
    p.text(margin, p.y, page_w - 2 * margin, "Certificate of Deposit", 14, true, PANGO_ALIGN_CENTER);
    p.y += 22;
    cairo_set_source_rgb(p.cr(), 0.35, 0.35, 0.35);
    p.y += p.text(margin, p.y, page_w - 2 * margin,
                  "JChain 司法存证区块链 · JChain judicial evidence chain · " + esc(v.chain_id()), 8.5, false,
                  PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(p.cr(), 0, 0, 0);
    p.y += 8;
    p.rule(0, 1.2);
    p.y += 9;

    // The record.
    p.row("存证编号", "Deposit number (record id)", mono(to_hex(v.record_id())));
    p.row("存证类型", "Kind", esc(std::string(chain::kind_name(rec.kind))) + "  ·  " + chinese_kind(rec.kind));
    // The case id is on chain only as its tag; the receipt's disclosure may prove it.
    const auto& disclosed = v.disclosed();
    p.row("案号", "Case id",
          rec.case_tag.empty()                   ? std::string("—（无 none）")
          : disclosed && disclosed->case_id      ? esc(*disclosed->case_id) + "\n" + small("已核对案件标签 · checked against the record's case tag")
                                                 : std::string("未披露 · case id not disclosed"));
    if (disclosed)
        for (const auto& entry : disclosed->metadata)
            p.row("元数据", esc(entry.first), esc(entry.second.value) + "\n" + small("已核对承诺值 · checked against its commitment"));
    const std::string role = v.submitter_role().empty() ? std::string()
                             : "（" + chinese_role(v.submitter_role()) + " " + esc(v.submitter_role()) + "）";
    p.row("提交机构", "Submitting agency (member)",
          (v.submitter_name().empty() ? std::string("—") : esc(v.submitter_name())) + role + "\n" +
              small("公钥 public key") + "  " + mono(to_hex(rec.submitter.bytes)));
    p.row("内容哈希", "Content hash (" + std::string(v.suite().hash_name()) + ")",
          mono(to_hex(rec.content_hash)) +
              (v.file_checked() ? "\n" + small("已与所附文件核对一致 · checked against the file given") : std::string()));

    // The block.
    p.row("区块高度", "Block height", std::to_string(h.height));
    p.row("区块时间", "Block time", esc(format_utc(h.time_ms)) + "\n" + esc(format_beijing(h.time_ms)));
    p.row("区块哈希", "Block hash", mono(to_hex(v.block_hash())));
    p.row("账本", "Ledger (RFC 6962 tree)",
          "规模 size: " + std::to_string(h.ledger_size) + " 条记录 records\n" + small("根 root") + "  " +
              mono(to_hex(h.ledger_root)));

    // Who certified it.
    std::string signers;
    for (const auto& s : v.signers()) signers += (signers.empty() ? "" : "; ") + s.name + " (" + std::to_string(s.power) + ")";
    if (v.signers().size() <= signers_listed_max && signers.size() <= signer_names_bytes_max)
        signers = esc(signers) + "\n";
    else
        signers = small("名单及公钥见回执 commit 部分 · names and keys are in the receipt's commit") + "\n";
    signers += std::to_string(v.signers().size()) + " 个验证节点签署，表决权 " + std::to_string(v.signed_power()) + " / " +
               std::to_string(v.total_power()) + "（需超过 2/3）\n" + small(std::to_string(v.signers().size()) +
               (v.signers().size() == 1 ? " validator" : " validators") + " signed the commit certificate, power " + std::to_string(v.signed_power()) + " of " +
               std::to_string(v.total_power()) + " (more than 2/3 required)");
    p.row("签署验证节点", "Validators who signed", signers);
    // What the receipt rests on (docs/receipt.md, "What a receipt proves").
    p.row("信任基础", "Trust basis",
          (v.basis() == chain::TrustBasis::witnessed ? std::string("经独立见证方共同签署的检查点锚定")
                                                      : std::string("仅由验证节点签名确认")) +
              "\n" + small(esc(v.basis_text())));
    p.row("链", "Chain", "链标识 chain id: " + esc(v.chain_id()) + "\n" + small("创世哈希 genesis hash") + "  " +
                            mono(to_hex(v.genesis_hash())) + "\n" + small("密码套件 crypto suite") + "  " +
                            esc(std::string(v.suite().name())) +
                            (v.suite().is_sm2() ? "（国密 SM2/SM3，用户标识 user ID " + esc(v.suite().sm2_user_id()) + "）"
                                                : std::string()));

    // How to verify, beside the QR code.
    p.y += 4;
    const double top = p.y;
    p.qr(code, page_w - margin - qr_side, top, qr_side);
    const double text_w = page_w - 2 * margin - qr_side - 14;
    double th = p.text(margin, top, text_w, "<b>核验方法</b>  " + small("<b>How to verify</b>"), 10.5);
    th += 3;
    th += p.text(margin, top + th, text_w,
                 "本证明是存证回执的呈现，回执本身才是证明。持回执和本链的创世文件，任何人无需信任本平台即可离线核验："
                 "\n" + mono("jchain verify --receipt receipt.json --genesis genesis.json", 7) +
                     "\n加 --file 原文件 可同时核对文件内容。" +
                     "\n也可扫描二维码打开核验页面并载入回执，或按 docs/receipt.md"
                     "“Checking it by hand”一节用 openssl 逐一核对签名。",
                 8.5);
    th += 4;
    th += p.text(margin, top + th, text_w,
                 small("This certificate is a rendering of the receipt; the receipt is the proof. Anyone holding the "
                       "receipt and the chain's genesis file can check it offline, without trusting this platform: run "
                       "the command above (with --file FILE to check the file too), scan the QR code to open the verification page and load the receipt, or "
                       "check each signature with openssl as docs/receipt.md (\"Checking it by hand\") describes."),
                 8.5);
    p.y = std::max(top + th, top + qr_side) + 4;
    p.y += p.text(margin, p.y, page_w - 2 * margin, small("二维码链接 QR code link:") + " " + mono(url, 6.5), 8) + 8;

    // Footer.
    p.rule(0.6, 0.6);
    p.y += 6;
    p.y += p.text(margin, p.y, page_w - 2 * margin,
                  small("生成时间 Generated: " + esc(format_utc(o.generated_at_ms)) + " · " +
                        esc(format_beijing(o.generated_at_ms)) +
                        "\n本证明是回执的呈现，证明力来自回执及其签名。This certificate is a rendering of the "
                        "receipt; the receipt is the proof."),
                  8);
}

}  // namespace

Result<std::string> render_certificate_pdf(const VerifiedReceipt& receipt, const CertificateOptions& options) {
    if (Status s = check_verify_url_template(options.verify_url_template); !s) return s;
    const std::string url = verify_url(options.verify_url_template, receipt.record_id());
    // Level M (15% of the code may be lost: a fold or a stamp), 8-bit mode, any version.
    QrPtr code(QRcode_encodeString(url.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) return Status::error("cannot make the QR code of " + url);

    PangoFontMap* fonts = pango_cairo_font_map_get_default();  // this thread's; owned by pango
    for (const char* family : {font_text, font_mono})
        if (!have_family(fonts, family))
            return Status::error(std::string("font '") + family + "' is not installed (Debian: apt-get install fonts-wqy-microhei)");

    // The page is laid out once on a recording surface, to learn its height, then drawn
    // on the PDF page: at full size, or scaled down to fit when long names and a long
    // URL would run past the bottom, so nothing is ever cut off. (Drawing it twice costs
    // a few ms; painting the recording onto the PDF leaks in cairo 1.16.)
    double height = 0;
    {
        SurfacePtr recording(cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr));
        CairoPtr cr(cairo_create(recording.get()));
        Page page(cr.get());
        draw(page, receipt, options, url, *code);
        height = page.y;
        if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
            return Status::error(std::string("cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
    }

    std::string pdf;
    SurfacePtr surface(cairo_pdf_surface_create_for_stream(append_bytes, &pdf, page_w, page_h));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, "存证证明 Certificate of Deposit");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, to_hex(receipt.record_id()).c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "jchain certificate");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, iso_date(options.generated_at_ms).c_str());
    {
        CairoPtr cr(cairo_create(surface.get()));
        const double room = page_h - margin / 2;
        if (height > room) {
            const double scale = room / height;
            cairo_translate(cr.get(), page_w * (1 - scale) / 2, 0);
            cairo_scale(cr.get(), scale, scale);
        }
        Page page(cr.get());  // after the scale: pango lays out under the final matrix
        draw(page, receipt, options, url, *code);
        cairo_show_page(cr.get());
        if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
            return Status::error(std::string("cairo: ") + cairo_status_to_string(cairo_status(cr.get())));
    }
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
        return Status::error(std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
    return pdf;
}

}  // namespace jchain::report
