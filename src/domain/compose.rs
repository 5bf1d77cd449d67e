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

/// What a template's placeholders are filled with, where the thread knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateFacts {
    /// `{patient}`: the linked patient's display name.
    pub patient: Option<String>,
    /// `{day}` and `{time}`: the thread's appointment (its latest change with a start), in
    /// epoch milliseconds.
    pub appointment_at: Option<u64>,
    /// `{sender}`: the person writing.
    pub sender: Option<String>,
}

/// `template` with each `{name}` that `values` has filled; the others stay, for the person
/// to type over. One pass: a value that looks like a placeholder is left as written.
pub fn fill_template(template: &str, values: &[(&str, String)]) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(found) = placeholder(rest) {
        filled.push_str(&rest[..found.start]);
        let name = &rest[found.start + 1..found.end - 1];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => filled.push_str(value),
            None => filled.push_str(&rest[found.clone()]),
        }
        rest = &rest[found.end..];
    }
    filled.push_str(rest);
    filled
}

/// `current` with `template` put in — replacing an empty draft, else at the selection
/// (`selection`, byte offsets: what is selected is replaced, never appended after; a space
/// between it and a word beside it) — and the UTF-16 range to select: the inserted text's
/// first `{placeholder}` (so typing replaces it), or its end.
pub fn with_template(current: &str, selection: std::ops::Range<usize>, template: &str) -> (String, (u32, u32)) {
    let (before, after) = if current.trim().is_empty() {
        ("", "")
    } else {
        let start = floor_char(current, selection.start.min(current.len()));
        let end = floor_char(current, selection.end.clamp(start, current.len()));
        (&current[..start], &current[end..])
    };
    // Next to a word, a space keeps the two apart.
    let space = if before.ends_with(|c: char| !c.is_whitespace()) {
        " "
    } else {
        ""
    };
    let space_after = if after.starts_with(char::is_alphanumeric) && !template.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let value = format!("{before}{space}{template}{space_after}{after}");
    let (start, end) = placeholder(template).map_or((template.len(), template.len()), |r| (r.start, r.end));
    let utf16 = |i: usize| utf16_len(&value[..before.len() + space.len() + i]);
    (value.clone(), (utf16(start), utf16(end)))
}

/// The UTF-16 range of the first `{placeholder}` at or after `from` (a byte offset): where
/// Tab goes next.
pub fn next_placeholder(text: &str, from: usize) -> Option<(u32, u32)> {
    let from = floor_char(text, from.min(text.len()));
    let range = placeholder(&text[from..])?;
    let at = |i: usize| utf16_len(&text[..from + i]);
    Some((at(range.start), at(range.end)))
}

/// Byte range of the first `{placeholder}` (a name of letters, digits or `_`) in `text`.
fn placeholder(text: &str) -> Option<std::ops::Range<usize>> {
    let mut search = 0;
    while let Some(open) = text[search..].find('{').map(|i| search + i) {
        let name_len = text[open + 1..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - open - 1);
        let close = open + 1 + name_len;
        if name_len > 0 && text[close..].starts_with('}') {
            return Some(open..close + 1);
        }
        search = open + 1;
    }
    None
}

/// `at`, moved back to the start of the character it falls in.
fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
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
    fn a_template_replaces_an_empty_draft_or_goes_in_at_the_cursor_never_after() {
        let (value, (start, end)) = with_template("  \n", 0..0, "Seen {patient} today");
        assert_eq!(value, "Seen {patient} today");
        assert_eq!(&value[start as usize..end as usize], "{patient}");
        let text = "Hi Sam, . Thanks";
        let caret = "Hi Sam, ".len();
        let (value, (start, end)) = with_template(text, caret..caret, "No placeholders");
        assert_eq!(value, "Hi Sam, No placeholders. Thanks");
        assert_eq!((start, end), (23, 23), "the caret after what went in");
        let (value, _) = with_template("Arrived", 7..7, "{patient} is here");
        assert_eq!(value, "Arrived {patient} is here");
        let (value, _) = with_template("Thanks", 0..0, "Noted.");
        assert_eq!(value, "Noted. Thanks");
        // A selection is replaced.
        let (value, _) = with_template("Hi Sam, XXX", 8..11, "see you");
        assert_eq!(value, "Hi Sam, see you");
    }

    #[test]
    fn what_the_thread_knows_is_filled_and_tab_finds_the_rest() {
        let template = "{patient} canceled {day} at {time} — {sender}";
        let filled = fill_template(template, &[("patient", "Maya R.".into()), ("sender", "Priya".into())]);
        assert_eq!(filled, "Maya R. canceled {day} at {time} — Priya");
        // A value is not filled in again (a label that looks like a placeholder stays).
        let values = [("patient", "{time}".to_owned()), ("time", "9:00".to_owned())];
        assert_eq!(fill_template("{patient} at {time}", &values), "{time} at 9:00");
        let (start, end) = next_placeholder(&filled, 0).unwrap();
        assert_eq!(&filled[start as usize..end as usize], "{day}");
        let (start, end) = next_placeholder(&filled, end as usize).unwrap();
        assert_eq!(&filled[start as usize..end as usize], "{time}");
        assert_eq!(next_placeholder(&filled, end as usize), None);
        // Braces that are not a placeholder are skipped.
        assert_eq!(next_placeholder("a {} b { c} d", 0), None);
        let emoji = "👋 {x}";
        assert_eq!(next_placeholder(emoji, 0), Some((3, 6)));
    }
}
