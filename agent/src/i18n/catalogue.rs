//! Every fixed text of the windows, Vietnamese then English, side by side so that a missing
//! translation shows in review. `{name}` marks a value filled in at run time; both languages
//! must use the same ones (a test checks).

use super::Lang;

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $name:ident: $vi:literal, $en:literal; )*) => {
        /// A text of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text { $( $(#[$doc])* $name, )* }

        impl Text {
            /// Every text, for checks.
            pub const ALL: &'static [Text] = &[$( Text::$name, )*];

            /// The text in `lang`.
            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Text::$name, Lang::Vi) => $vi, (Text::$name, Lang::En) => $en, )*
                }
            }
        }
    };
}

catalogue! {
    WindowTitle: "Kyso – Yêu cầu ký số", "Kyso – Signature request";
    AsksYouToSign: "yêu cầu bạn ký số", "asks you to sign";
    NeverInPage: "Kyso không bao giờ hỏi PIN trong trang web. Chỉ nhập PIN vào cửa sổ này.",
        "Kyso never asks for your PIN in a web page. Type it only into this window.";

    /// Heading of the signing act (Decree 30/2020).
    Act: "Hình thức ký", "Signing act";
    ActApprove: "Ký duyệt (chữ ký của người có thẩm quyền)", "Approval (the official's signature)";
    ActIssue: "Ký ban hành (con dấu của cơ quan)", "Issuing (the agency's seal)";
    ActCopy: "Ký sao y", "Certified copy";
    ActAppendix: "Ký phụ lục", "Appendix";
    ActIncoming: "Ký văn bản đến", "Incoming document";
    ActComment: "Ký ý kiến", "Comment";
    ActPlain: "Ký số", "Digital signature";
    ActDetached: "Chữ ký rời (CMS)", "Detached signature (CMS)";
    ActDigest: "Ký mã băm do cổng thông tin tính", "Signing a hash computed by the portal";
    Level: "Mức chữ ký", "Signature level";

    Documents: "Tài liệu ({count})", "Documents ({count})";
    Pages: "{count} trang", "{count} pages";
    OnePage: "1 trang", "1 page";
    DigestOnly: "chỉ mã băm", "digest only";
    View: "Xem", "View";
    ViewHint: "Mở đúng nội dung sẽ được ký trong trình xem PDF", "Open the exact content to be signed in the PDF viewer";
    ViewFailed: "Không mở được tài liệu: {reason}", "Cannot open the document: {reason}";
    ViewChanged: "tệp đã thay đổi kể từ khi được gửi", "the file changed after it was sent";
    SignaturePlace: "Vị trí chữ ký", "Where the signature goes";
    PageOf: "Trang {page}/{pages}", "Page {page} of {pages}";
    DigestMessage: "Thông điệp (mã băm do cổng thông tin tính)", "Message (hashed by the portal)";

    Certificate: "Chứng thư số", "Certificate";
    Signer: "Người ký", "Signer";
    IssuedBy: "Cấp bởi", "Issued by";
    Expires: "Hết hạn", "Expires";
    Expired: "Đã hết hạn", "Expired";
    Token: "Thiết bị", "Token";
    RevocationGood: "Chứng thư hợp lệ, chưa bị thu hồi ({source})", "Certificate valid, not revoked ({source})";
    RevocationUnknown: "Cảnh báo: không kiểm tra được tình trạng thu hồi của chứng thư (máy chủ OCSP/CRL không phản hồi)",
        "Warning: the certificate's revocation status could not be checked (OCSP/CRL servers did not answer)";

    PinLabel: "Mã PIN", "PIN";
    PinHint: "Nhập PIN của thiết bị «{token}», rồi nhấn Ký hoặc Enter.", "Type the PIN of token “{token}”, then press Sign or Enter.";
    PinPad: "Nhấn Ký, rồi nhập PIN trên bàn phím của thiết bị «{token}».", "Press Sign, then type the PIN on the keypad of token “{token}”.";
    PinPadWaiting: "Hãy nhập PIN trên bàn phím của thiết bị.", "Type the PIN on the token's keypad.";
    PinWrong: "PIN không đúng (lần sai thứ {count} trong yêu cầu này). Hãy nhập lại.",
        "Wrong PIN ({count} wrong in this request). Type it again.";
    TriesUnknown: "Thiết bị không cho biết số lần thử còn lại; thiết bị sẽ bị khóa nếu nhập sai nhiều lần.",
        "The token does not say how many tries are left; it locks after too many wrong PINs.";
    TriesLow: "Lưu ý: đã có lần nhập sai PIN.", "Note: a wrong PIN was entered before.";
    FinalTry: "Cảnh báo: đây là lần thử cuối, nhập sai thiết bị sẽ bị khóa.",
        "Warning: this is the final try; a wrong PIN locks the token.";
    Locked: "Thiết bị đã bị khóa PIN. Không thể ký bằng thiết bị này cho đến khi được mở khóa: hãy liên hệ tổ chức cung cấp chứng thư số (hoặc bộ phận quản trị) để mở khóa bằng mã PUK.",
        "The token's PIN is locked. It cannot sign until it is unlocked: ask your certificate provider (or your administrator) to unlock it with the PUK.";
    PinOld: "Mã PIN đã dùng quá 6 tháng ({since}); quy định yêu cầu đổi ít nhất 6 tháng một lần: vào Cài đặt → Mã PIN (hoặc chạy `kyso-agent change-pin`).",
        "The token PIN is over 6 months old ({since}); the rules require changing it at least every six months: see Settings → PIN (or run `kyso-agent change-pin`).";
    PinChangedOn: "đổi lần cuối ngày {date}", "last changed on {date}";
    PinNotChangedSince: "chưa đổi qua Kyso từ ngày {date}", "not changed through Kyso since {date}";

    ChooseTitle: "Kyso – Chọn chứng thư số", "Kyso – Choose a certificate";
    ChooseHint: "Chọn chứng thư số để ký (phím ↑ ↓), rồi nhấn Tiếp tục hoặc Enter.",
        "Choose the certificate to sign with (keys ↑ ↓), then press Continue or Enter.";
    Continue: "Tiếp tục", "Continue";
    TrayRunning: "Kyso – sẵn sàng ký", "Kyso – ready to sign";
    TrayPaused: "Kyso – đang tạm dừng ký", "Kyso – signing paused";
    TrayNoToken: "Kyso – chưa cắm thiết bị ký số", "Kyso – no token plugged in";
    TraySigning: "Kyso – đang ký…", "Kyso – signing…";
    TrayCertificates: "Chứng thư số trên thiết bị", "Certificates on the tokens";
    TrayNoCertificates: "Không có chứng thư số nào", "No certificates";
    TrayRecent: "Hoạt động gần đây", "Recent activity";
    TrayNoRecent: "Chưa có yêu cầu nào", "No requests yet";
    TrayPause: "Tạm dừng ký", "Pause signing";
    TrayResume: "Tiếp tục ký", "Resume signing";
    TrayLogs: "Mở thư mục nhật ký", "Open the log folder";
    TrayAbout: "Giới thiệu Kyso", "About Kyso";
    TrayQuit: "Thoát Kyso", "Quit Kyso";
    LanguageFixed: "Ngôn ngữ do quản trị đặt", "Language set by the administrator";
    TrayFlood: "Đã từ chối {count} yêu cầu ký dồn dập từ {origin}", "Refused {count} signing requests in a burst from {origin}";
    FloodBubbleTitle: "Kyso đã chặn các yêu cầu ký dồn dập", "Kyso blocked a burst of signing requests";
    FloodBubbleAdvice: "Nếu bạn không yêu cầu ký, hãy đóng trang đó.", "If you did not ask to sign, close that page.";
    DocumentCount: "{count} tài liệu", "{count} document(s)";
    OutcomeSigned: "đã ký", "signed";
    OutcomePartial: "ký một phần", "partly signed";
    OutcomeCancelled: "đã hủy", "cancelled";
    OutcomeRefused: "bị từ chối", "refused";
    OutcomeFailed: "lỗi", "failed";
    AboutTitle: "Kyso – Giới thiệu", "Kyso – About";
    AboutWhat: "Kyso ký số tài liệu bằng thiết bị ký số (token) của bạn, theo yêu cầu của các cổng thông tin được phép.",
        "Kyso signs documents with your token, when an allowed portal asks.";
    Version: "Phiên bản", "Version";
    Port: "Cổng", "Port";
    AllowedOrigins: "Cổng thông tin được phép (do quản trị đặt)", "Allowed portals (set by the administrator)";
    AnyOrigin: "mọi nguồn (danger_allow_any_origin: chỉ để thử nghiệm)", "any origin (danger_allow_any_origin: testing only)";
    NoOrigins: "chưa có: mọi yêu cầu bị từ chối", "none: every request is refused";
    LogFolder: "Thư mục nhật ký", "Log folder";
    Sign: "Ký", "Sign";
    Cancel: "Hủy", "Cancel";
    Close: "Đóng", "Close";
    Signing: "Đang ký…", "Signing…";
    SignedAll: "Đã ký xong {count} tài liệu.", "{count} documents signed.";
    SignedOne: "Đã ký xong.", "Signed.";
    NotSigned: "Không ký được: {reason}", "Not signed: {reason}";
    Cancelled: "Đã hủy yêu cầu ký.", "The signing request was cancelled.";
    CancelWhileSigning: "Đang dừng: tài liệu đang ký dở sẽ hoàn tất, các tài liệu sau không được ký.",
        "Stopping: the document being signed is finished, the ones after it are not signed.";
    Stopped: "Đã dừng theo yêu cầu của bạn.", "Stopped as you asked.";

    PinChangePad: "Thiết bị «{token}» có bàn phím PIN riêng: hãy đổi mã PIN bằng phần mềm của nhà cung cấp.",
        "Token “{token}” has its own PIN pad: change the PIN with the vendor's tool.";
    PinChangeLocked: "Mã PIN của thiết bị «{token}» đã bị khóa: hãy liên hệ tổ chức cung cấp chứng thư số để mở khóa.",
        "The PIN of token “{token}” is locked: ask your certificate provider to unlock it.";
    PinChangeMismatch: "Hai lần nhập mã PIN mới không khớp; mã PIN chưa đổi.",
        "The two entries of the new PIN differ; the PIN was not changed.";
    PinChangeEmpty: "Mã PIN mới trống.", "The new PIN is empty.";
    PinChangeSame: "Mã PIN mới trùng mã PIN hiện tại.", "The new PIN is the same as the current one.";
    PinChangeWrong: "Mã PIN hiện tại sai; mã PIN chưa đổi.", "The current PIN is wrong; the PIN was not changed.";
    PinChangeWrongFinal: "Mã PIN hiện tại sai; nhập sai thêm một lần nữa thiết bị «{token}» sẽ bị khóa.",
        "The current PIN is wrong; one more wrong PIN locks token “{token}”.";
    PinChangeRejected: "Thiết bị không nhận mã PIN mới: cần từ {min} đến {max} ký tự.",
        "The token refused the new PIN: it takes {min} to {max} characters.";
    PinChangeRemoved: "Thiết bị đã bị rút ra; mã PIN chưa đổi.", "The token was removed; the PIN was not changed.";
    PinChangeCancelled: "Đã hủy; mã PIN chưa đổi.", "Cancelled; the PIN was not changed.";
    SettingsTitle: "Kyso – Cài đặt", "Kyso – Settings";
    TraySettings: "Cài đặt…", "Settings…";
    TabCertificates: "Chứng thư số", "Certificates";
    TabGeneral: "Chung", "General";
    SettingsApplyAtOnce: "Thay đổi được áp dụng ngay.", "Changes apply at once.";
    Loading: "Đang đọc thiết bị…", "Reading the tokens…";
    NoTokenCertificates: "Không có chứng thư số nào trên thiết bị đang cắm.", "No certificate on the tokens plugged in.";
    NoTokens: "Không có thiết bị ký số nào đang cắm.", "No token is plugged in.";
    TokensUnreadable: "Không đọc được thiết bị: {reason}", "Cannot read the tokens: {reason}";
    Images: "Ảnh chữ ký và con dấu", "Signature and seal images";
    ImagesHint: "Dùng khi cổng thông tin yêu cầu ký duyệt hoặc ký ban hành mà không gửi kèm ảnh.",
        "Used when a portal asks for an approval or issuing signature and sends no image.";
    ImageSignature: "Chữ ký tay (ký duyệt)", "Handwritten signature (approval)";
    ImageSeal: "Con dấu (ký ban hành)", "Seal (issuing)";
    ImageNone: "Chưa có ảnh", "No image";
    ImageJpeg: "Ảnh JPEG (không xem trước)", "JPEG image (no preview)";
    ImportImage: "Nhập ảnh…", "Import…";
    RemoveImage: "Xóa ảnh", "Remove";
    ImageImported: "Đã nhập ảnh {file}.", "Imported {file}.";
    ImageRemoved: "Đã xóa ảnh.", "The image was removed.";
    PickImageTitle: "Chọn ảnh PNG hoặc JPEG", "Choose a PNG or JPEG image";
    Defaults: "Mặc định khi yêu cầu không ghi rõ", "Defaults for requests that do not say";
    DefaultLevelNone: "Không đặt ({level})", "Not set ({level})";
    NeedsTsa: "cần máy chủ cấp dấu thời gian (tsa.url)", "needs a timestamp authority (tsa.url)";
    DefaultActs: "Hình thức ký theo cổng thông tin", "Signing act per portal";
    ActsHint: "Áp dụng khi cổng thông tin không chỉ định hình thức ký và vị trí chữ ký.",
        "Applies when the portal names neither an act nor a place for the signature.";
    ActNone: "Không (chữ ký không hiển thị)", "None (invisible signature)";
    NoPortals: "Quản trị chưa cho phép cổng thông tin nào.", "The administrator has allowed no portal.";
    SetByAdmin: "do quản trị đặt", "set by the administrator";
    Saved: "Đã lưu.", "Saved.";
    SaveFailed: "Không lưu được: {reason}", "Could not save: {reason}";
    PinRule: "Quy định yêu cầu đổi mã PIN của thiết bị ít nhất 6 tháng một lần.",
        "The rules require changing the token PIN at least every six months.";
    CurrentPin: "Mã PIN hiện tại", "Current PIN";
    NewPin: "Mã PIN mới", "New PIN";
    RepeatPin: "Nhập lại mã PIN mới", "New PIN again";
    ChangePin: "Đổi mã PIN", "Change PIN";
    ChangingPin: "Đang đổi mã PIN…", "Changing the PIN…";
    LanguageHeading: "Ngôn ngữ", "Language";
    PolicyHeading: "Do quản trị đặt (chỉ đọc)", "Set by the administrator (read-only)";
    NoPolicy: "Máy này không có chính sách của quản trị.", "This computer has no administrator's policy.";
    ImageTooLarge: "Ảnh lớn hơn {mib} MiB.", "The image is larger than {mib} MiB.";
    ImageUnusable: "Không dùng được ảnh này (cần PNG hoặc JPEG): {reason}", "This image cannot be used (PNG or JPEG needed): {reason}";
    ImageNotSaved: "Không lưu được ảnh: {reason}", "The image could not be saved: {reason}";
    PinChanged: "Đã đổi mã PIN của thiết bị «{token}».", "The PIN of token “{token}” was changed.";
}

impl Text {
    /// The text in `lang` with its `{name}` placeholders replaced by `values`.
    pub fn fill(self, lang: Lang, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.get(lang).to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(n, _)| n)).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn both_languages_have_every_text_with_the_same_placeholders() {
        for text in Text::ALL {
            let (vi, en) = (text.get(Lang::Vi), text.get(Lang::En));
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{text:?} is empty");
            assert_eq!(placeholders(vi), placeholders(en), "{text:?}: placeholders differ");
        }
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(Text::Pages.fill(Lang::Vi, &[("count", "3")]), "3 trang");
        assert_eq!(Text::Pages.fill(Lang::En, &[("count", "3")]), "3 pages");
    }
}
