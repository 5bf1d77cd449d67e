//! Editing a message as it is written: `@` mentions accepted where they are typed, templates
//! put in with their first `{placeholder}` selected, and the browser's UTF-16 caret positions
//! read as byte offsets. Pure, so the composer's behaviour is tested here.

use super::directory::typed_mention;

/// The byte offset in `text` of a UTF-16 offset (what the browser reports for the caret).
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The UTF-16 length of `text` (what the browser counts caret positions in).
pub fn utf16_len(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// `text` with the `@…` being typed before `caret` (a byte offset) replaced by `@label `, and
/// the caret after it (UTF-16); `None` when no mention is being typed there (the text may have
/// changed since the suggestions appeared: a stale position would cut it in the wrong place).
pub fn accept_mention(text: &str, caret: usize, label: &str) -> Option<(String, u32)> {
    let caret = caret.min(text.len());
    let (at, _) = typed_mention(text, caret)?;
    let inserted = format!("@{label} ");
    let value = format!("{}{inserted}{}", &text[..at], &text[caret.max(at)..]);
    let after = utf16_len(&value[..at + inserted.len()]);
    Some((value, after))
}

/// `current` with `template` put in after what is written, and the UTF-16 range to select: the
/// template's first `{placeholder}` (so typing replaces it), or its end.
pub fn with_template(current: &str, template: &str) -> (String, (u32, u32)) {
    let before = if current.trim().is_empty() {
        String::new()
    } else {
        format!("{}\n", current.trim_end())
    };
    let value = format!("{before}{template}");
    let (start, end) = placeholder(template).map_or((template.len(), template.len()), |r| (r.start, r.end));
    let utf16 = |i: usize| utf16_len(&value[..before.len() + i]);
    (value.clone(), (utf16(start), utf16(end)))
}

/// Byte range of the first `{placeholder}` in a template.
fn placeholder(template: &str) -> Option<std::ops::Range<usize>> {
    let start = template.find('{')?;
    let end = start + template[start..].find('}')? + 1;
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_count_utf16_units() {
        let text = "café 👋 ok";
        assert_eq!(byte_offset(text, 4), 5, "é is one unit, two bytes");
        assert_eq!(byte_offset(text, 7), 10, "the emoji is two units, four bytes");
        assert_eq!(byte_offset(text, 100), text.len());
        assert_eq!(utf16_len(text), 10);
    }

    #[test]
    fn a_mention_replaces_what_was_typed_where_it_was_typed() {
        let text = "Thanks @pri see you";
        let caret = "Thanks @pri".len();
        let (value, after) = accept_mention(text, caret, "Priya Shah").unwrap();
        assert_eq!(value, "Thanks @Priya Shah  see you");
        assert_eq!(after, utf16_len("Thanks @Priya Shah "));
        assert_eq!(accept_mention("no mention here", 4, "Priya"), None);
    }

    #[test]
    fn a_template_goes_after_the_text_with_its_placeholder_selected() {
        let (value, (start, end)) = with_template("Hello  \n", "Seen {patient} today");
        assert_eq!(value, "Hello\nSeen {patient} today");
        assert_eq!(&value[start as usize..end as usize], "{patient}");
        let (value, (start, end)) = with_template("", "No placeholders");
        assert_eq!((value.as_str(), start, end), ("No placeholders", 15, 15));
    }
}
