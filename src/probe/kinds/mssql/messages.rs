//! The messages the check sends, byte for byte as TDS 7.4 lays them out: PRELOGIN (encryption
//! offered, not demanded) and the reading of its answer, LOGIN7 with SQL authentication and the
//! scrambled password, and a SQL batch in auto-commit.
pub(super) const ENCRYPT_OFF: u8 = 0x00;
pub(super) const ENCRYPT_ON: u8 = 0x01;
pub(super) const ENCRYPT_NOT_SUP: u8 = 0x02;
pub(super) const ENCRYPT_REQ: u8 = 0x03;

/// PRELOGIN: VERSION, ENCRYPTION (offered, not demanded), MARS off.
pub(super) fn prelogin_request() -> Vec<u8> {
    let options: [(u8, Vec<u8>); 3] = [
        (0x00, vec![0, 0, 0, 0, 0, 0]),
        (0x01, vec![ENCRYPT_OFF]),
        (0x04, vec![0]),
    ];
    let mut offset = options.len() * 5 + 1;
    let mut head = Vec::new();
    let mut data = Vec::new();
    for (token, value) in &options {
        head.push(*token);
        head.extend_from_slice(&(offset as u16).to_be_bytes());
        head.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
        offset += value.len();
    }
    head.push(0xff);
    head.extend(data);
    head
}

/// The ENCRYPTION option of a PRELOGIN answer.
pub(super) fn prelogin_encryption(payload: &[u8]) -> Option<u8> {
    let mut at = 0;
    while let Some(&token) = payload.get(at) {
        if token == 0xff {
            return None;
        }
        let option = payload.get(at + 1..at + 5)?;
        let offset = usize::from(u16::from_be_bytes([option[0], option[1]]));
        let length = usize::from(u16::from_be_bytes([option[2], option[3]]));
        if token == 0x01 && length >= 1 {
            return payload.get(offset).copied();
        }
        at += 5;
    }
    None
}

pub(super) fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// LOGIN7's password scrambling: each byte of the UTF-16LE text with its nibbles swapped, then
/// XOR 0xA5.
pub(super) fn scramble_password(password: &str) -> Vec<u8> {
    utf16(password)
        .into_iter()
        .map(|byte| byte.rotate_left(4) ^ 0xa5)
        .collect()
}

/// LOGIN7 for TDS 7.4 with SQL authentication; a database that cannot be opened fails the login.
pub(super) fn login7(user: &str, password: &str, database: &str, server: &str) -> Vec<u8> {
    const FIXED: usize = 94;
    let fields: [Vec<u8>; 9] = [
        utf16("sourcedeck"),         // host name
        utf16(user),                 // user name
        scramble_password(password), // password
        utf16("sourcedeck-test"),    // application name
        utf16(server),               // server name
        Vec::new(),                  // extension
        utf16("sourcedeck"),         // client interface name
        Vec::new(),                  // language
        utf16(database),             // database
    ];
    let mut fixed = Vec::with_capacity(FIXED);
    let data_len: usize = fields.iter().map(Vec::len).sum();
    fixed.extend_from_slice(&((FIXED + data_len) as u32).to_le_bytes());
    fixed.extend_from_slice(&0x7400_0004u32.to_le_bytes()); // TDS 7.4
    fixed.extend_from_slice(&4096u32.to_le_bytes()); // packet size
    fixed.extend_from_slice(&0x0700_0000u32.to_le_bytes()); // client program version
    fixed.extend_from_slice(&std::process::id().to_le_bytes());
    fixed.extend_from_slice(&0u32.to_le_bytes()); // connection id
    fixed.push(0xe0); // USE_DB_ON | INIT_DB_FATAL | SET_LANG_ON
    fixed.push(0x03); // INIT_LANG_FATAL | ODBC
    fixed.push(0x00); // type flags
    fixed.push(0x00); // option flags 3
    fixed.extend_from_slice(&0i32.to_le_bytes()); // time zone
    fixed.extend_from_slice(&0x0409u32.to_le_bytes()); // LCID
    let mut offset = FIXED;
    let mut data = Vec::with_capacity(data_len);
    for field in &fields {
        fixed.extend_from_slice(&(offset as u16).to_le_bytes());
        fixed.extend_from_slice(&((field.len() / 2) as u16).to_le_bytes());
        data.extend_from_slice(field);
        offset += field.len();
    }
    fixed.extend_from_slice(&[0; 6]); // client id
    for _ in 0..3 {
        // SSPI, attach DB file, change password: empty
        fixed.extend_from_slice(&(offset as u16).to_le_bytes());
        fixed.extend_from_slice(&0u16.to_le_bytes());
    }
    fixed.extend_from_slice(&0u32.to_le_bytes()); // long SSPI length
    fixed.extend(data);
    fixed
}

/// SQL batch: ALL_HEADERS with the transaction descriptor (auto-commit), then UTF-16LE text.
pub(super) fn sql_batch(sql: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&22u32.to_le_bytes()); // all headers length
    out.extend_from_slice(&18u32.to_le_bytes()); // this header's length
    out.extend_from_slice(&2u16.to_le_bytes()); // transaction descriptor
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // outstanding requests
    out.extend(utf16(sql));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_scrambled_as_login7_says() {
        assert_eq!(scramble_password("a"), vec![0xb3, 0xa5]);
        assert_eq!(scramble_password(""), Vec::<u8>::new());
    }

    #[test]
    fn prelogin_offers_encryption_without_demanding_it_and_reads_the_answer() {
        let request = prelogin_request();
        assert_eq!(prelogin_encryption(&request), Some(ENCRYPT_OFF));
        assert_eq!(prelogin_encryption(&[0xff]), None);
        assert_eq!(prelogin_encryption(&[0x01, 0, 200, 0, 1, 0xff]), None);
    }

    #[test]
    fn login7_lays_out_its_fields_after_the_94_byte_header() {
        let login = login7("sa", "pw", "db", "h");
        assert_eq!(
            u32::from_le_bytes(login[0..4].try_into().unwrap()) as usize,
            login.len()
        );
        assert_eq!(&login[4..8], &[4, 0, 0, 0x74]);
        // The user name's offset and length (in characters).
        let offset = u16::from_le_bytes([login[40], login[41]]) as usize;
        assert_eq!(u16::from_le_bytes([login[42], login[43]]), 2);
        assert_eq!(&login[offset..offset + 4], &utf16("sa")[..]);
        // The database field is the ninth pair.
        let offset = u16::from_le_bytes([login[68], login[69]]) as usize;
        assert_eq!(&login[offset..offset + 4], &utf16("db")[..]);
    }
}
