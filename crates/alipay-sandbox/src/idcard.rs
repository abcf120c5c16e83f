//! Resident identity card numbers (GB 11643-1999): 17 digits and a check character.

/// Why an ID number is not a valid 18-character resident ID. Never holds the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdProblem {
    /// Not 18 characters long.
    Length(usize),
    /// Positions 1–17 must be digits, position 18 a digit or `X`.
    Characters,
    /// The check character does not match (typo or invented number).
    CheckDigit,
}

impl IdProblem {
    pub(crate) fn describe(self) -> String {
        match self {
            IdProblem::Length(n) => format!("must be 18 characters, got {n}"),
            IdProblem::Characters => "must be 17 digits followed by a digit or X".into(),
            IdProblem::CheckDigit => "check digit (GB 11643) does not match".into(),
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// Checks length, characters and the ISO 7064 MOD 11-2 check character.
pub(crate) fn check_resident_id(id: &str) -> Result<(), IdProblem> {
    let bytes = id.as_bytes();
    let len = id.chars().count();
    if len != 18 || bytes.len() != 18 {
        return Err(IdProblem::Length(len));
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(IdProblem::Characters);
    }
    let last = bytes[17].to_ascii_uppercase();
    if !(last.is_ascii_digit() || last == b'X') {
        return Err(IdProblem::Characters);
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != last {
        return Err(IdProblem::CheckDigit);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_and_known_numbers() {
        assert_eq!(check_resident_id("260104197909275964"), Ok(()));
        assert_eq!(check_resident_id("11010519491231002X"), Ok(()));
        assert_eq!(check_resident_id("11010519491231002x"), Ok(()));
        assert_eq!(
            check_resident_id("260104197909275965"),
            Err(IdProblem::CheckDigit)
        );
        assert_eq!(
            check_resident_id("26010419790927596"),
            Err(IdProblem::Length(17))
        );
        assert_eq!(
            check_resident_id("2601041979092759A4"),
            Err(IdProblem::Characters)
        );
        assert_eq!(
            check_resident_id("收委收委收委收委收委收委收委收委收委"),
            Err(IdProblem::Length(18))
        );
    }
}
