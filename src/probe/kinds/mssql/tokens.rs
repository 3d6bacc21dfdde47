//! The server's token stream: LOGINACK says the login was accepted, ERROR tokens carry number
//! and text, and the first integer column of the first ROW answers `SELECT 1`; a stream that
//! does not decode is not SQL Server's.
/// An ERROR token's number and text.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ServerError {
    pub number: i32,
    pub message: String,
}

/// What a token stream said.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Tokens {
    pub logged_in: bool,
    pub errors: Vec<ServerError>,
    /// The first integer column of the first row (`SELECT 1`).
    pub first_int: Option<i64>,
}

/// A token stream that does not decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadTokens;

/// Reads LOGINACK, ERROR, INFO, ENVCHANGE, COLMETADATA (integer columns), ROW and DONE tokens.
pub(super) fn read_tokens(payload: &[u8]) -> Result<Tokens, BadTokens> {
    let mut tokens = Tokens::default();
    let mut cursor = Cursor(payload);
    let mut columns: Vec<u8> = Vec::new();
    while let Ok(token) = cursor.u8() {
        match token {
            0xaa | 0xab | 0xad | 0xe3 => {
                let length = usize::from(cursor.u16()?);
                let body = cursor.take(length)?;
                match token {
                    0xaa => tokens.errors.push(server_error(body)?),
                    0xad => tokens.logged_in = true,
                    _ => {}
                }
            }
            0x81 => columns = column_metadata(&mut cursor)?,
            0xd1 => {
                let row = read_row(&mut cursor, &columns)?;
                if tokens.first_int.is_none() {
                    tokens.first_int = row;
                }
            }
            0xfd..=0xff => {
                cursor.take(12)?; // status, command, row count
            }
            _ => return Err(BadTokens),
        }
    }
    Ok(tokens)
}

pub(super) fn server_error(body: &[u8]) -> Result<ServerError, BadTokens> {
    let mut cursor = Cursor(body);
    let number = i32::from_le_bytes(cursor.array()?);
    cursor.take(2)?; // state, class
    let chars = usize::from(cursor.u16()?);
    let text = cursor.take(chars * 2)?;
    let units: Vec<u16> = text
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Ok(ServerError {
        number,
        message: String::from_utf16_lossy(&units)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// Column types of a COLMETADATA token; only integer columns (INTN, INT1/2/4/8) are read.
pub(super) fn column_metadata(cursor: &mut Cursor<'_>) -> Result<Vec<u8>, BadTokens> {
    let count = cursor.u16()?;
    let mut columns = Vec::new();
    if count == 0xffff {
        return Ok(columns);
    }
    for _ in 0..count {
        cursor.take(4 + 2)?; // user type, flags
        let kind = cursor.u8()?;
        let size = match kind {
            0x26 => cursor.u8()?, // INTN with its length
            0x30 => 1,
            0x34 => 2,
            0x38 => 4,
            0x7f => 8,
            _ => return Err(BadTokens),
        };
        let name_chars = usize::from(cursor.u8()?);
        cursor.take(name_chars * 2)?;
        columns.push(if kind == 0x26 { 0 } else { size });
    }
    Ok(columns)
}

/// A ROW of integer columns; the first column's value.
pub(super) fn read_row(cursor: &mut Cursor<'_>, columns: &[u8]) -> Result<Option<i64>, BadTokens> {
    let mut first = None;
    for (index, fixed) in columns.iter().enumerate() {
        let size = if *fixed == 0 { cursor.u8()? } else { *fixed };
        let bytes = cursor.take(usize::from(size))?;
        let value = match *bytes {
            [] => None,
            [tiny] => Some(i64::from(tiny)), // TINYINT is unsigned
            [a, b] => Some(i64::from(i16::from_le_bytes([a, b]))),
            [a, b, c, d] => Some(i64::from(i32::from_le_bytes([a, b, c, d]))),
            [a, b, c, d, e, f, g, h] => Some(i64::from_le_bytes([a, b, c, d, e, f, g, h])),
            _ => return Err(BadTokens),
        };
        if index == 0 {
            first = value;
        }
    }
    Ok(first)
}

pub(super) struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], BadTokens> {
        if self.0.len() < count {
            return Err(BadTokens);
        }
        let (head, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BadTokens> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, BadTokens> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, BadTokens> {
        Ok(u16::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::kinds::mssql::messages::utf16;

    fn error_token(number: i32, text: &str) -> Vec<u8> {
        let mut body = number.to_le_bytes().to_vec();
        body.extend([1, 14]);
        body.extend((text.encode_utf16().count() as u16).to_le_bytes());
        body.extend(utf16(text));
        body.push(0); // server name
        body.push(0); // procedure
        body.extend(1i32.to_le_bytes());
        let mut out = vec![0xaa];
        out.extend((body.len() as u16).to_le_bytes());
        out.extend(body);
        out
    }

    fn done(status: u16) -> Vec<u8> {
        let mut out = vec![0xfd];
        out.extend(status.to_le_bytes());
        out.extend([0u8; 10]);
        out
    }

    #[test]
    fn a_failed_login_reads_as_its_error() {
        let mut stream = error_token(18456, "Login failed for user 'sa'.");
        stream.extend(done(0x02));
        let tokens = read_tokens(&stream).unwrap();
        assert!(!tokens.logged_in);
        assert_eq!(
            tokens.errors,
            vec![ServerError {
                number: 18456,
                message: "Login failed for user 'sa'.".into()
            }]
        );
    }

    #[test]
    fn select_1_reads_its_integer() {
        let mut stream = vec![0x81, 1, 0];
        stream.extend([0, 0, 0, 0, 0x21, 0]);
        stream.extend([0x26, 4, 0]);
        stream.extend([0xd1, 4, 1, 0, 0, 0]);
        stream.extend(done(0x10));
        assert_eq!(read_tokens(&stream).unwrap().first_int, Some(1));
        assert_eq!(read_tokens(&[0x42]), Err(BadTokens));
        let mut wide = vec![0x81, 1, 0, 0, 0, 0, 0, 0x21, 0, 0x26, 4, 0];
        wide.extend([0xd1, 16]);
        wide.extend([0u8; 16]);
        assert_eq!(read_tokens(&wide), Err(BadTokens));
        assert_eq!(read_tokens(&[0xaa, 9, 0]), Err(BadTokens));
    }
}
