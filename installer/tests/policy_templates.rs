//! The Group Policy templates: every string and presentation the ADMX names exists in each
//! language's ADML, and the ADML defines nothing the ADMX does not use.

use std::collections::BTreeSet;

const ADMX: &str = include_str!("../windows/policy/kyso.admx");
const ADML: [(&str, &str); 2] = [
    ("en-US", include_str!("../windows/policy/en-US/kyso.adml")),
    ("vi-VN", include_str!("../windows/policy/vi-VN/kyso.adml")),
];

/// The names between `open` and `close` everywhere in `text`.
fn names(text: &str, open: &str, close: char) -> BTreeSet<String> {
    text.split(open).skip(1).filter_map(|rest| rest.split(close).next()).map(str::to_owned).collect()
}

#[test]
fn every_language_defines_exactly_what_the_template_uses() {
    let strings = names(ADMX, "$(string.", ')');
    let presentations = names(ADMX, "$(presentation.", ')');
    let element_ids = names(ADMX, " id=\"", '"');
    assert!(strings.contains("AllowedOrigins_Explain") && presentations.contains("Port"), "{strings:?}");
    for (language, adml) in ADML {
        assert_eq!(names(adml, "<string id=\"", '"'), strings, "{language}: strings");
        assert_eq!(names(adml, "<presentation id=\"", '"'), presentations, "{language}: presentations");
        assert_eq!(names(adml, "refId=\"", '"'), element_ids, "{language}: presentation elements");
    }
}
