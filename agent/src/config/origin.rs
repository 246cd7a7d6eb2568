//! Web origins as the administrator writes them and as browsers send them.

use std::fmt;

/// An exact `https://host[:port]` origin, serialised the way browsers send `Origin`: lowercase
/// host, default port omitted, no path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin from configuration.
    ///
    /// # Errors
    ///
    /// Says what is wrong: not https, a path, query or credentials, no host.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        if url.scheme() != "https" {
            return Err(format!("scheme must be https, not {:?}", url.scheme()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain credentials".into());
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || url.path() != "/"
            || text.trim_end_matches('/') != text && text.ends_with("//")
        {
            return Err("must be scheme://host[:port] with no path, query or fragment".into());
        }
        let host = url.host_str().ok_or("has no host")?;
        let origin = match url.port() {
            Some(port) => format!("https://{host}:{port}"),
            None => format!("https://{host}"),
        };
        Ok(Self(origin))
    }

    /// The origin of an `https` URL without credentials, or `None` for any other URL.
    pub fn of_url(url: &url::Url) -> Option<Self> {
        if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let host = url.host_str()?;
        Some(Self(match url.port() {
            Some(port) => format!("https://{host}:{port}"),
            None => format!("https://{host}"),
        }))
    }

    /// Returns the serialised origin.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_browsers() {
        assert_eq!(
            Origin::parse("https://QLVB.NinhBinh.gov.vn").map(|o| o.0),
            Ok("https://qlvb.ninhbinh.gov.vn".into())
        );
        assert_eq!(Origin::parse("https://a.vn:443").map(|o| o.0), Ok("https://a.vn".into()));
        assert_eq!(Origin::parse("https://a.vn:8443/").map(|o| o.0), Ok("https://a.vn:8443".into()));
    }

    #[test]
    fn urls_have_the_origin_browsers_give_them() {
        let of = |text: &str| Origin::of_url(&url::Url::parse(text).expect("url")).map(|o| o.0);
        assert_eq!(of("https://QLVB.a.vn:443/files/1.pdf?x=1"), Some("https://qlvb.a.vn".into()));
        assert_eq!(of("https://a.vn:8443/upload"), Some("https://a.vn:8443".into()));
        assert_eq!(of("http://a.vn/1.pdf"), None);
        assert_eq!(of("https://user:pw@a.vn/1.pdf"), None);
        assert_eq!(of("file:///etc/passwd"), None);
    }

    #[test]
    fn refuses_what_is_not_an_origin() {
        for bad in ["http://a.vn", "https://a.vn/path", "https://u:p@a.vn", "https://a.vn?x=1", "a.vn", "null", ""] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}
