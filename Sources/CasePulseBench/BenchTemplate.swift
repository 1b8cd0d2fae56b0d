/// One body template and the places of its variable fields.
struct BenchTemplate {
    var bytes: [UInt8]
    let eventID: Int
    let seq: Int
    let caseIDs: [Int]
    let month: Int
    let day: Int
    let region: Int
    let agency: Int

    static let agencies: [[UInt8]] = ["scjg", "gajj", "hbjj", "ylbz"].map { Array($0.utf8) }
    static let counties = [11, 12, 26, 27, 28, 29, 30, 31, 32, 81, 83]
    /// Cumulative days before each month of 2022.
    static let monthStarts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        self.bytes = bytes
        func places(of marker: String) -> [Int] {
            let needle = Array(marker.utf8)
            var found: [Int] = []
            var i = 0
            while i + needle.count <= bytes.count {
                if Array(bytes[i..<i + needle.count]) == needle {
                    found.append(i)
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return found
        }
        eventID = places(of: "IIIIIIIIII")[0]
        seq = places(of: "SSSSSSSSSS")[0]
        caseIDs = places(of: "CCCCCCCC")
        month = places(of: "MM")[0]
        day = places(of: "DD")[0]
        region = places(of: "RRRRRRRRR")[0]
        agency = places(of: "AAAA")[0]
    }

    /// Writes event id number `id`, sequence number `seq` and the fields of case `caseNumber`.
    mutating func fill(id: Int, seq: Int, caseNumber: Int) {
        bytes.withUnsafeMutableBufferPointer { out in
            Self.digits(id, width: 10, at: eventID, in: out, pad: UInt8(ascii: "0"))
            // JSON allows white space before a number: a fixed-width field with leading blanks.
            Self.digits(seq, width: 10, at: self.seq, in: out, pad: UInt8(ascii: " "))
            for place in caseIDs { Self.digits(caseNumber, width: 8, at: place, in: out, pad: UInt8(ascii: "0")) }
            let dayOfYear = caseNumber % 365
            var monthIndex = 0
            while Self.monthStarts[monthIndex + 1] <= dayOfYear { monthIndex += 1 }
            Self.digits(monthIndex + 1, width: 2, at: month, in: out, pad: UInt8(ascii: "0"))
            Self.digits(dayOfYear - Self.monthStarts[monthIndex] + 1, width: 2, at: day, in: out, pad: UInt8(ascii: "0"))
            let county = Self.counties[caseNumber / 7 % Self.counties.count]
            let town = 101 + caseNumber / 13 % 20
            Self.digits(370_800_000 + county * 1000 + town, width: 9, at: region, in: out, pad: UInt8(ascii: "0"))
            let name = Self.agencies[caseNumber / 3 % Self.agencies.count]
            for k in 0..<4 { out[agency + k] = name[k] }
        }
    }

    static func digits(_ value: Int, width: Int, at offset: Int, in out: UnsafeMutableBufferPointer<UInt8>, pad: UInt8) {
        var rest = value
        var position = offset + width - 1
        repeat {
            out[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        } while rest > 0 && position >= offset
        while position >= offset {
            out[position] = pad
            position -= 1
        }
    }
}
