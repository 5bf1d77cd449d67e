//! Clinic branding: colours from `config.json`, checked for readable contrast (WCAG 2.x).

use std::fmt;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

/// WCAG AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

impl Color {
    /// White.
    pub const WHITE: Color = Color { r: 255, g: 255, b: 255 };

    /// Parses `#rrggbb` or `#rgb`; anything else (including non-ASCII text) is `None`.
    pub fn parse(text: &str) -> Option<Color> {
        let digits: Vec<u8> = text
            .trim()
            .strip_prefix('#')?
            .chars()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()?;
        let channels: Vec<u8> = match digits.len() {
            6 => digits.chunks(2).map(|pair| pair[0] * 16 + pair[1]).collect(),
            3 => digits.iter().map(|d| d * 17).collect(),
            _ => return None,
        };
        Some(Color {
            r: channels[0],
            g: channels[1],
            b: channels[2],
        })
    }

    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// The WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Color) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// The colour with each channel scaled by `factor` (below 1 darkens).
    pub fn scaled(self, factor: f64) -> Color {
        let s = |c: u8| (f64::from(c) * factor).round().clamp(0.0, 255.0) as u8;
        Color {
            r: s(self.r),
            g: s(self.g),
            b: s(self.b),
        }
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// Checks a brand colour that carries white text (buttons, badges) and the page's text colour.
pub fn check_brand(name: &str, text: &str) -> Result<Color, String> {
    let color = Color::parse(text).ok_or_else(|| format!("{name} \"{text}\" is not a colour like #0f6e6e"))?;
    let ratio = color.contrast(Color::WHITE);
    if ratio < MIN_CONTRAST {
        return Err(format!(
            "{name} {color} is too light for white text ({ratio:.1}:1; at least {MIN_CONTRAST}:1 is needed to be readable)"
        ));
    }
    Ok(color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_measures_contrast() {
        assert_eq!(Color::parse("#0f6e6e"), Some(Color { r: 15, g: 110, b: 110 }));
        assert_eq!(Color::parse("#fff"), Some(Color::WHITE));
        assert_eq!(Color::parse("teal"), None);
        assert!((Color::parse("#000").unwrap().contrast(Color::WHITE) - 21.0).abs() < 0.01);
        assert!(check_brand("primary_color", "#0f6e6e").is_ok());
        let err = check_brand("primary_color", "#ffff00").unwrap_err();
        assert!(err.contains("too light"), "{err}");
        assert!(check_brand("primary_color", "nope")
            .unwrap_err()
            .contains("not a colour"));
        assert_eq!(Color::parse("#204060").unwrap().scaled(0.5).to_string(), "#102030");
    }

    #[test]
    fn non_ascii_and_odd_lengths_are_refused_not_panicked() {
        // Multi-byte characters once made byte slicing panic (and abort the whole app).
        for text in [
            "#0f6e6é",
            "#éé",
            "#ａｂｃ",
            "#12345",
            "#",
            "#0f6e6e0",
            "#1234567",
            "＃0f6e6e",
        ] {
            assert_eq!(Color::parse(text), None, "{text}");
        }
        let err = check_brand("primary_color", "#0f6e6é").unwrap_err();
        assert!(err.contains("not a colour"), "{err}");
    }
}
