import CasePulseCore

/// Well-formed party identifiers for generated test data: unified social credit codes
/// (统一社会信用代码, GB 32100-2015) and resident ID numbers (GB 11643).
///
/// Every code made here passes its check character; ``isValidCreditCode(_:)`` and
/// ``isValidResidentID(_:)`` check codes from elsewhere.
public enum PartyCode {
    /// The 31 characters of a credit code, in value order (`0-9A-HJ-NP-RTUW-Y`: no I, O, Z, S, V).
    public static let creditAlphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// The weights of credit-code positions 1–17.
    private static let creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The weights of resident-ID positions 1–17 (ISO 7064 MOD 11-2).
    private static let residentWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    /// A credit code: registering body `9` (market regulation), `kind` (`1` enterprise, `2`
    /// individual business, `3` farmers' cooperative), the 6-digit `division`, the 9-character
    /// organisation code given by `organisation` (its base-31 digits, `0 ..< 31^9`), and the check
    /// character. Distinct `organisation` values give distinct codes.
    public static func creditCode(kind: Character, division: String, organisation: UInt64) -> String {
        var characters: [Character] = ["9", kind] + Array(division)
        var digits: [Character] = []
        var rest = organisation
        for _ in 0..<9 {
            digits.append(creditAlphabet[Int(rest % 31)])
            rest /= 31
        }
        characters += digits.reversed()
        characters.append(creditCheck(characters)!)
        return String(characters)
    }

    /// The check character of the first 17 characters of a credit code, `nil` if one of them is
    /// outside the alphabet: C18 = 31 − (Σ value(Ci)·Wi mod 31), 31 becoming 0.
    public static func creditCheck(_ first17: [Character]) -> Character? {
        guard first17.count >= 17 else { return nil }
        var sum = 0
        for i in 0..<17 {
            guard let value = creditAlphabet.firstIndex(of: first17[i]) else { return nil }
            sum += value * creditWeights[i]
        }
        let check = 31 - sum % 31
        return creditAlphabet[check == 31 ? 0 : check]
    }

    /// Whether `code` is an 18-character credit code with a correct check character.
    public static func isValidCreditCode(_ code: String) -> Bool {
        let characters = Array(code)
        return characters.count == 18 && creditCheck(characters) == characters[17]
    }

    /// A resident ID number: the 6-digit `division`, the birth date `birthDay` days after
    /// 1950-01-01, the 3-digit `sequence` (`0 ..< 1000`), and the MOD 11-2 check character.
    public static func residentID(division: String, birthDay: Int, sequence: Int) -> String {
        let (year, month, day) = civilDate(daysSince1950: birthDay)
        var text = division + pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(sequence, 3)
        text.append(residentCheck(Array(text))!)
        return text
    }

    /// The check character of the first 17 digits of a resident ID, `nil` if one is not a digit.
    public static func residentCheck(_ first17: [Character]) -> Character? {
        guard first17.count >= 17 else { return nil }
        var sum = 0
        for i in 0..<17 {
            guard let digit = first17[i].wholeNumberValue, first17[i].isASCII else { return nil }
            sum += digit * residentWeights[i]
        }
        return Array("10X98765432")[sum % 11]
    }

    /// Whether `code` is an 18-character resident ID with a correct check character.
    public static func isValidResidentID(_ code: String) -> Bool {
        let characters = Array(code)
        return characters.count == 18 && residentCheck(characters) == characters[17]
    }

    /// The Gregorian date `days` days after 1950-01-01 (day -7305 of the Unix epoch).
    private static func civilDate(daysSince1950 days: Int) -> (Int, Int, Int) {
        let date = CivilDate(daysSinceEpoch: Int64(days) - 7_305)
        return (Int(date.year), Int(date.month), Int(date.day))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
