import CasePulseCore
import Testing

@Suite struct RegionCodeTests {
    @Test func parsesOnlySixNineOrTwelveDigits() {
        #expect(RegionCode("370812") != nil)
        #expect(RegionCode("370812101") != nil)
        #expect(RegionCode("370812101201") != nil)
        for bad in ["", "37081", "3708120", "37081210", "3708121012010", "37081a", " 370812", "３７０８１２"] {
            #expect(RegionCode(bad) == nil, "\(bad) must be refused")
        }
    }

    @Test func keepsLeadingZerosInItsText() {
        #expect(RegionCode("010203")?.description == "010203")
        #expect(RegionCode("000000001")?.description == "000000001")
    }

    @Test(arguments: [
        ("370000", ["370000"]),
        ("370800", ["370000", "370800"]),
        ("370812", ["370000", "370800", "370812"]),
        ("370890", ["370000", "370800", "370890"]),
        ("110101", ["110000", "110100", "110101"]),
        ("370012", ["370000", "370012"]),
        ("370812101", ["370000", "370800", "370812", "370812101"]),
        ("370812101201", ["370000", "370800", "370812", "370812101", "370812101201"]),
        ("370800001", ["370000", "370800", "370800001"]),
    ])
    func pathListsEveryLevelFromTheProvinceDown(code: String, expected: [String]) throws {
        let region = try #require(RegionCode(code))
        #expect(region.path.map(\.description) == expected)
    }
}
