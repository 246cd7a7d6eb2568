//! The tray icon's pictures, drawn here so no image files ship: a disc in the state's colour
//! with a white sign on it (check: ready; bars: paused; ring: signing; mark: no token or a
//! warning).

/// What the icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Ready,
    Paused,
    Signing,
    Warning,
}

/// The icon's side, in pixels.
pub const SIZE: u32 = 32;

/// The icon as 8-bit RGBA, `SIZE` x `SIZE`.
pub fn rgba(look: Look) -> Vec<u8> {
    let colour = match look {
        Look::Ready => [0x0B_u8, 0x57, 0xD0],
        Look::Paused => [0x70, 0x70, 0x70],
        Look::Signing => [0x1B, 0x7E, 0x3A],
        Look::Warning => [0xC2, 0x4E, 0x00],
    };
    let sign: &[([f32; 2], [f32; 2])] = match look {
        Look::Ready => &[([9.5, 16.5], [14.0, 21.0]), ([14.0, 21.0], [22.5, 11.0])],
        Look::Paused => &[([12.5, 10.0], [12.5, 22.0]), ([19.5, 10.0], [19.5, 22.0])],
        Look::Signing => &[],
        Look::Warning => &[([16.0, 8.5], [16.0, 18.0]), ([16.0, 22.5], [16.0, 23.0])],
    };
    let mut out = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let from_centre = ((p[0] - 16.0).powi(2) + (p[1] - 16.0).powi(2)).sqrt();
            // Anti-aliased edge of the disc.
            let alpha = (15.5 - from_centre).clamp(0.0, 1.0);
            let white = match look {
                Look::Signing => (from_centre > 6.0 && from_centre < 9.0) as u8 as f32,
                _ => sign.iter().map(|(a, b)| (2.6 - distance(p, *a, *b)).clamp(0.0, 1.0)).fold(0.0, f32::max),
            };
            for channel in colour {
                out.push((f32::from(channel) * (1.0 - white) + 255.0 * white) as u8);
            }
            out.push((alpha * 255.0) as u8);
        }
    }
    out
}

/// The distance from `p` to the segment `a`–`b`.
fn distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length = dx * dx + dy * dy;
    let t = if length == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length).clamp(0.0, 1.0) };
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_look_is_a_distinct_round_icon() {
        let looks = [Look::Ready, Look::Paused, Look::Signing, Look::Warning];
        let pictures: Vec<Vec<u8>> = looks.iter().map(|l| rgba(*l)).collect();
        for picture in &pictures {
            assert_eq!(picture.len(), (SIZE * SIZE * 4) as usize);
            assert_eq!(picture[3], 0, "the corners are transparent");
            let centre = ((16 * SIZE + 16) * 4 + 3) as usize;
            assert_eq!(picture[centre], 255, "the disc is opaque");
        }
        for (i, a) in pictures.iter().enumerate() {
            for b in &pictures[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
