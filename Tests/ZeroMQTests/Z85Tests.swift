import Testing
import ZeroMQ

@Suite struct Z85Tests {
    @Test func rfc32TestVector() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
    }

    @Test func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in stride(from: 0, through: 64, by: 4) {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Z85.encode(bytes)
            #expect(text?.utf8.count == length / 4 * 5)
            #expect(text.flatMap(Z85.decode) == bytes)
        }
    }

    @Test func invalidInputs() {
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("Hell") == nil)
        #expect(Z85.decode("Hello World") == nil)
        #expect(Z85.decode("~~~~~") == nil)  // not in the alphabet
        #expect(Z85.decode("#####") == nil)  // exceeds 32 bits
        #expect(Z85.decode("Hello\u{0}orld") == nil)
        #expect(Z85.decode("") == [])
        #expect(Z85.encode([]) == "")
    }
}
