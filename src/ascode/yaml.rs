//! A YAML document as a small tree whose every node knows its line and column.
//!
//! `serde_norway`'s values carry no positions, and a sources file under review needs errors that
//! point at the line and column of the source and key at fault. This builds the tree from
//! `saphyr-parser`'s spanned events; anchors, aliases and tags are refused (a reviewed file should
//! say what it means where it says it).

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Where a node starts: 1-based line and column, as editors show them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// A node of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A scalar as written; `plain` is false for quoted and block scalars.
    Scalar { text: String, plain: bool, pos: Pos },
    /// A mapping, entries in file order (duplicate keys are reported by the reader).
    Map {
        entries: Vec<(Node, Node)>,
        pos: Pos,
    },
    /// A sequence.
    Seq { pos: Pos },
}

impl Node {
    /// Where the node starts.
    pub fn pos(&self) -> Pos {
        match self {
            Node::Scalar { pos, .. } | Node::Map { pos, .. } | Node::Seq { pos } => *pos,
        }
    }

    /// The scalar's text, when the node is a scalar.
    pub fn as_scalar(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar YAML reads as null (`~`, `null`, nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { text, plain: true, .. }
            if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }
}

/// A syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one YAML document into a tree; an empty document is an empty map.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut events = Vec::new();
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => events.push((event, span)),
            Err(error) => {
                return Err(SyntaxError {
                    pos: Pos {
                        line: error.marker().line(),
                        column: error.marker().col() + 1,
                    },
                    message: error.info().to_string(),
                });
            }
        }
    }
    let mut cursor = Cursor { events, next: 0 };
    let mut root = None;
    while let Some((event, span)) = cursor.take() {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err(SyntaxError {
                        pos: Pos::of(&span),
                        message: "only one document is allowed".into(),
                    });
                }
                root = Some(cursor.node()?);
            }
            _ => root = Some(cursor.node_from(event, span)?),
        }
    }
    Ok(root.unwrap_or(Node::Map {
        entries: Vec::new(),
        pos: Pos { line: 1, column: 1 },
    }))
}

struct Cursor<'a> {
    events: Vec<(Event<'a>, Span)>,
    next: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self) -> Option<(Event<'a>, Span)> {
        let item = self.events.get(self.next).cloned();
        self.next += 1;
        item
    }

    fn node(&mut self) -> Result<Node, SyntaxError> {
        let Some((event, span)) = self.take() else {
            return Err(SyntaxError {
                pos: Pos::default(),
                message: "the document ends early".into(),
            });
        };
        self.node_from(event, span)
    }

    fn node_from(&mut self, event: Event<'a>, span: Span) -> Result<Node, SyntaxError> {
        let pos = Pos::of(&span);
        let refuse = |what: &str| SyntaxError {
            pos,
            message: format!("{what} are not supported in a sources file; write the value out"),
        };
        match event {
            Event::Alias(_) => Err(refuse("aliases")),
            Event::Scalar(_, _, anchor, _)
            | Event::MappingStart(anchor, _)
            | Event::SequenceStart(anchor, _)
                if anchor != 0 =>
            {
                Err(refuse("anchors"))
            }
            Event::Scalar(_, _, _, Some(_))
            | Event::MappingStart(_, Some(_))
            | Event::SequenceStart(_, Some(_)) => Err(refuse("tags")),
            Event::Scalar(text, style, _, None) => Ok(Node::Scalar {
                text: Cow::into_owned(text),
                plain: style == ScalarStyle::Plain,
                pos,
            }),
            Event::MappingStart(..) => {
                let mut entries = Vec::new();
                loop {
                    match self.take() {
                        Some((Event::MappingEnd, _)) => break,
                        Some((event, span)) => {
                            let key = self.node_from(event, span)?;
                            let value = self.node()?;
                            entries.push((key, value));
                        }
                        None => return Err(refuse("unterminated mappings")),
                    }
                }
                Ok(Node::Map { entries, pos })
            }
            Event::SequenceStart(..) => {
                let mut depth = 1usize;
                while depth > 0 {
                    match self.take() {
                        Some((Event::SequenceStart(..) | Event::MappingStart(..), _)) => depth += 1,
                        Some((Event::SequenceEnd | Event::MappingEnd, _)) => depth -= 1,
                        Some(_) => {}
                        None => return Err(refuse("unterminated sequences")),
                    }
                }
                Ok(Node::Seq { pos })
            }
            _ => Err(SyntaxError {
                pos,
                message: "unexpected YAML structure".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_one_based_lines_and_columns() {
        let node = parse("version: 1\nsources:\n  a:\n    kind: pg\n").unwrap();
        let Node::Map { entries, .. } = node else {
            panic!()
        };
        assert_eq!(entries[1].0.pos(), Pos { line: 2, column: 1 });
        let Node::Map {
            entries: sources, ..
        } = &entries[1].1
        else {
            panic!()
        };
        assert_eq!(sources[0].0.pos(), Pos { line: 3, column: 3 });
        assert_eq!(sources[0].0.as_scalar(), Some("a"));
    }

    #[test]
    fn syntax_errors_and_aliases_have_positions() {
        let error = parse("a: [1,\n").unwrap_err();
        assert!(error.pos.line >= 1);
        let error = parse("a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!(error.pos.line, 1);
        assert!(error.message.contains("anchors"));
    }

    #[test]
    fn quoted_scalars_are_not_plain() {
        let Node::Map { entries, .. } = parse("a: \"5432\"\nb: 5432\n").unwrap() else {
            panic!()
        };
        assert!(matches!(entries[0].1, Node::Scalar { plain: false, .. }));
        assert!(matches!(entries[1].1, Node::Scalar { plain: true, .. }));
    }
}
