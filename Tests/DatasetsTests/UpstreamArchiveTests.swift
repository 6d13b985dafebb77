import Foundation
import LoopbackHTTP
import Support
import Testing
@testable import Datasets

/// Runs the system `tar` in `dir` (archives are built with the tool users have, not with our own writer).
func tar(_ args: [String], in dir: URL) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["tar"] + args
    p.currentDirectoryURL = dir
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "tar \(args)")
}

/// The upstream archives of RACE, MMLU and TriviaQA: small archives built here in each upstream's layout, and the
/// full data sets re-packed into that layout and fetched from a loopback "upstream" (no internet needed).
@Suite("Upstream archives")
struct UpstreamArchiveTests {
    @Test(arguments: [["-czf"], ["-cf"], ["--format=pax", "-cf"], ["--format=ustar", "-cf"]])
    func tarReaderReadsWhatTarWrites(flags: [String]) throws {
        let dir = TempDir()
        let long = "src/" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 60) + ".txt"
        let members = ["a.txt": "alpha\n", "sub/b.bin": String(repeating: "β", count: 700), long: "long name\n", "empty": ""]
        for (name, text) in members { _ = dir.file("in/" + name, text) }
        try tar(flags + [dir.url.appendingPathComponent("x.tar").path, "."], in: dir.url.appendingPathComponent("in"))
        var seen: [String: String] = [:]
        let kept = try TarReader.read(archive: dir.url.appendingPathComponent("x.tar").path, keep: { $0 != "a.txt" }) {
            seen[$0] = String(decoding: $1, as: UTF8.self)
        }
        // `./` is dropped from names; directories are skipped; `keep` decides.
        #expect(kept == 3)
        #expect(seen == members.filter { $0.key != "a.txt" })
    }

    @Test func aCorruptOrTruncatedArchiveNamesTheByte() throws {
        let dir = TempDir()
        _ = dir.file("in/a.txt", String(repeating: "x", count: 3000))
        _ = dir.file("in/b.txt", "b")
        try tar(["-cf", dir.url.appendingPathComponent("x.tar").path, "a.txt", "b.txt"], in: dir.url.appendingPathComponent("in"))
        let bytes = [UInt8](try Data(contentsOf: dir.url.appendingPathComponent("x.tar")))
        // The second header starts after a.txt's 512-byte header and its 3,000 bytes padded to 3,072.
        var corrupt = bytes
        corrupt[3584 + 10] ^= 0x01
        let c = dir.file("corrupt.tar", corrupt)
        #expect(throws: DatasetError.self) { try TarReader.read(archive: c.path, keep: { _ in true }) { _, _ in } }
        do { try TarReader.read(archive: c.path, keep: { _ in true }) { _, _ in } } catch {
            #expect("\(error)".contains("tar header at byte 3584"))
        }
        let t = dir.file("truncated.tar", Array(bytes[0..<2000]))
        do {
            try TarReader.read(archive: t.path, keep: { _ in true }) { _, _ in }
            Issue.record("a truncated archive was read")
        } catch {
            #expect("\(error)".contains("ends inside a.txt"))
        }
        let notTar = dir.file("plain.txt", String(repeating: "not a tar archive\n", count: 40))
        #expect(throws: DatasetError.self) { try TarReader.read(archive: notTar.path, keep: { _ in true }) { _, _ in } }
    }

    @Test func raceKeepsTheTestArticlesAndListsThem() throws {
        let dir = TempDir()
        _ = dir.file("up/RACE/test/middle/1.txt", "{\"id\": \"middle1.txt\"}")
        _ = dir.file("up/RACE/test/high/10.txt", "{\"id\": \"high10.txt\"}")
        _ = dir.file("up/RACE/train/middle/2.txt", "train")
        _ = dir.file("up/RACE/dev/high/3.txt", "dev")
        try tar(["-czf", dir.url.appendingPathComponent("RACE.tar.gz").path, "RACE"], in: dir.url.appendingPathComponent("up"))
        let out = dir.url.appendingPathComponent("data")
        let written = try UpstreamArchive.race.convert(archive: dir.url.appendingPathComponent("RACE.tar.gz"), into: out)
        #expect(written == ["race/test/high/10.txt", "race/test/middle/1.txt", "race/MANIFEST.sha256"])
        let list = try String(contentsOf: out.appendingPathComponent("race/MANIFEST.sha256"), encoding: .utf8)
        #expect(list == "\(SHA256Hasher.hex(Array("{\"id\": \"high10.txt\"}".utf8)))  test/high/10.txt\n"
                     + "\(SHA256Hasher.hex(Array("{\"id\": \"middle1.txt\"}".utf8)))  test/middle/1.txt\n")
        let members = try DatasetStore.parseMemberList(list, file: "MANIFEST.sha256", base: out.appendingPathComponent("race"))
        for m in members { _ = try DatasetStore().memberBytes(m) }
    }

    @Test func mmluCSVsAreRewrittenAsPythonWritesThem() throws {
        let dir = TempDir()
        // Upstream quoting and line ends that differ from Python's csv.writer; the auxiliary set is not needed.
        _ = dir.file("up/data/dev/anatomy_dev.csv", "\"What is 1+1?\",\"2\",3,\"4, or 5\",\"say \"\"6\"\"\",A\r\n\"Two\r\nlines\",a,b,c,d,B\r\n")
        _ = dir.file("up/data/test/anatomy_test.csv", "Q,a,b,c,d,C\n")
        _ = dir.file("up/data/val/anatomy_val.csv", "Q,a,b,c,d,D")
        _ = dir.file("up/data/auxiliary_train/race.csv", "x,y\n")
        _ = dir.file("up/data/README.txt", "readme")
        try tar(["-cf", dir.url.appendingPathComponent("data.tar").path, "data"], in: dir.url.appendingPathComponent("up"))
        let out = dir.url.appendingPathComponent("data")
        let written = try UpstreamArchive.mmlu.convert(archive: dir.url.appendingPathComponent("data.tar"), into: out)
        #expect(written == ["mmlu/dev/anatomy_dev.csv", "mmlu/test/anatomy_test.csv", "mmlu/val/anatomy_val.csv", "mmlu/MANIFEST.sha256"])
        let dev = try String(contentsOf: out.appendingPathComponent("mmlu/dev/anatomy_dev.csv"), encoding: .utf8)
        #expect(dev == "What is 1+1?,2,3,\"4, or 5\",\"say \"\"6\"\"\",A\n\"Two\r\nlines\",a,b,c,d,B\n")
        #expect(try String(contentsOf: out.appendingPathComponent("mmlu/val/anatomy_val.csv"), encoding: .utf8) == "Q,a,b,c,d,D\n")
        let list = try String(contentsOf: out.appendingPathComponent("mmlu/MANIFEST.sha256"), encoding: .utf8)
        #expect(list.split(separator: "\n").map { $0.split(separator: " ").last! } == ["dev/anatomy_dev.csv", "test/anatomy_test.csv", "val/anatomy_val.csv"])
    }

    @Test func triviaQAQuestionsBecomeJSONLines() throws {
        let dir = TempDir()
        let doc = """
            {"Data": [{"Answer": {"Aliases": [" Sunset Blvd", "Sunset Boulevard\\u001f"], "NormalizedAliases": ["sunset blvd"], \
            "NormalizedValue": "sunset boulevard", "Type": "WikipediaEntity", "Value": "Sunset Boulevard "}, \
            "EntityPages": [{"Title": "x"}], "Question": " Which musical?\\n", "QuestionId": "tc_33", "QuestionSource": "http://q/"}, \
            {"Answer": {"Aliases": ["Zoë"], "MatchedWikiEntryName": "Zoë \\"Z\\"", "NormalizedAliases": ["zoe"], \
            "NormalizedMatchedWikiEntryName": "zoe", "NormalizedValue": "zoe", "Type": "WikipediaEntity", "Value": "Zoë"}, \
            "Question": "Who?", "QuestionId": "qz_1", "QuestionSource": "s"}], "Domain": "Wikipedia", "Split": "dev", "Version": 1.0}
            """
        _ = dir.file("up/qa/wikipedia-dev.json", doc)
        _ = dir.file("up/qa/wikipedia-train.json", "{\"Data\": []}")
        _ = dir.file("up/evidence/wikipedia/Zoë.txt", "evidence")
        try tar(["-czf", dir.url.appendingPathComponent("triviaqa-rc.tar.gz").path, "qa", "evidence"], in: dir.url.appendingPathComponent("up"))
        let out = dir.url.appendingPathComponent("data")
        let written = try UpstreamArchive.triviaqa.convert(archive: dir.url.appendingPathComponent("triviaqa-rc.tar.gz"), into: out)
        #expect(written == ["triviaqa/rc.wikipedia.nocontext.validation.jsonl.gz"])
        let text = try String(contentsOf: out.appendingPathComponent(written[0]), encoding: .utf8)
        #expect(text == """
            {"question": "Which musical?", "question_id": "tc_33", "question_source": "http://q/", "answer": {"aliases": ["Sunset Blvd", \
            "Sunset Boulevard"], "normalized_aliases": ["sunset blvd"], "matched_wiki_entity_name": "", \
            "normalized_matched_wiki_entity_name": "", "normalized_value": "sunset boulevard", "type": "WikipediaEntity", "value": "Sunset Boulevard"}}
            {"question": "Who?", "question_id": "qz_1", "question_source": "s", "answer": {"aliases": ["Zoë"], "normalized_aliases": ["zoe"], \
            "matched_wiki_entity_name": "Zoë \\"Z\\"", "normalized_matched_wiki_entity_name": "zoe", "normalized_value": "zoe", \
            "type": "WikipediaEntity", "value": "Zoë"}}

            """)
        let bad = dir.file("up2/qa/wikipedia-dev.json", "{\"Data\": [{\"Question\": \"q\", \"QuestionId\": \"a\", \"QuestionSource\": \"s\"}]}")
        try tar(["-cf", dir.url.appendingPathComponent("bad.tar").path, "qa"], in: bad.deletingLastPathComponent().deletingLastPathComponent())
        do {
            try UpstreamArchive.triviaqa.convert(archive: dir.url.appendingPathComponent("bad.tar"), into: out)
            Issue.record("a question without an answer was converted")
        } catch {
            #expect("\(error)".contains("Data[0]: no \"Answer\""))
        }
    }

    @Test func theWrongArchiveSaysSo() throws {
        let dir = TempDir()
        _ = dir.file("up/other/file.txt", "x")
        try tar(["-cf", dir.url.appendingPathComponent("x.tar").path, "other"], in: dir.url.appendingPathComponent("up"))
        for a in UpstreamArchive.allCases {
            #expect(throws: DatasetError.self) { try a.convert(archive: dir.url.appendingPathComponent("x.tar"), into: dir.url) }
        }
    }

    // MARK: - The full data sets through `fetch`, from archives in the upstream layouts

    /// A directory of the data, found as the tests find it.
    func dataDir(_ path: String) throws -> URL {
        let store = try sharedStore()
        return try #require(store.searchPath.map { $0.dir }.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(path).path) },
                            "\(path) is on no dataset search path")
    }

    /// Fetches `id` with no mirror, its upstream URL served by a loopback server holding `archive`.
    func fetchFromArchive(_ id: Benchmark, archive: URL) async throws -> (DatasetFetcher, LoopbackHTTPServer, TempDir) {
        let server = try LoopbackHTTPServer(routes: ["upstream/" + archive.lastPathComponent: [UInt8](try Data(contentsOf: archive))])
        let home = TempDir()
        let f = DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python") { _ in
            server.url("upstream/" + archive.lastPathComponent)
        }
        try await f.fetch(id)
        return (f, server, home)
    }

    @Test func raceFromItsArchiveVerifiesAgainstTheCatalog() async throws {
        let race = try dataDir("race/MANIFEST.sha256").appendingPathComponent("race")
        let dir = TempDir()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("RACE"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: race.appendingPathComponent("test"), to: dir.url.appendingPathComponent("RACE/test"))
        _ = dir.file("RACE/train/middle/1.txt", "{}")
        try tar(["-czf", "RACE.tar.gz", "RACE"], in: dir.url)
        let (f, server, home) = try await fetchFromArchive(.raceMiddle, archive: dir.url.appendingPathComponent("RACE.tar.gz"))
        defer { server.stop(); _ = home }
        #expect(try f.store.locate(.raceMiddle).origin == "cache")
        #expect(try f.store.race(.raceMiddle).reduce(0) { $0 + $1.questions.count } == 1436)
        #expect(try f.store.race(.raceHigh).reduce(0) { $0 + $1.questions.count } == 3498)
        // Complete and verified: a second fetch downloads nothing.
        try await f.fetch(.raceHigh)
        #expect(server.requests.count == 1)
    }

    @Test func mmluFromItsArchiveVerifiesAgainstTheCatalog() async throws {
        let mmlu = try dataDir("mmlu/MANIFEST.sha256").appendingPathComponent("mmlu")
        let dir = TempDir()
        // Written with CRLF line ends and every field quoted, which the conversion must undo.
        for split in ["dev", "val", "test"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: mmlu.appendingPathComponent(split).path) {
                let bytes = [UInt8](try Data(contentsOf: mmlu.appendingPathComponent("\(split)/\(name)")))
                var out = ""
                for r in try CSV.parse(bytes, file: name) {
                    out += r.fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\r\n"
                }
                _ = dir.file("data/\(split)/\(name)", out)
            }
        }
        _ = dir.file("data/auxiliary_train/race.csv", "x\n")
        try tar(["-cf", "data.tar", "data"], in: dir.url)
        let (f, server, home) = try await fetchFromArchive(.mmlu, archive: dir.url.appendingPathComponent("data.tar"))
        defer { server.stop(); _ = home }
        #expect(try f.store.locate(.mmlu).origin == "cache")
        #expect(try f.store.members(.mmlu).files.count == 171)
        for m in try f.store.members(.mmlu).files { _ = try f.store.memberBytes(m) }
    }

    @Test func triviaQAFromItsArchiveVerifiesAgainstTheCatalog() async throws {
        // The pinned lines turned back into the upstream document (CamelCase keys, the answer's empty names absent,
        // some padding the conversion strips), plus evidence fields the conversion drops.
        let path = "triviaqa/rc.wikipedia.nocontext.validation.jsonl.gz"
        let pinned = try JSONL.readObjects(at: try dataDir(path).appendingPathComponent(path))
        var data: [JSONValue] = []
        for (i, (_, o)) in pinned.enumerated() {
            let a = try #require(o["answer"]?.objectValue)
            var answer = JSONObject([
                ("Aliases", a["aliases"]!), ("NormalizedAliases", a["normalized_aliases"]!),
                ("NormalizedValue", a["normalized_value"]!), ("Type", a["type"]!),
                ("Value", .string(a["value"]!.stringValue! + (i % 3 == 0 ? " " : ""))),
            ])
            if a["matched_wiki_entity_name"]?.stringValue != "" {
                answer = JSONObject(answer.entries.map { ($0.key, $0.value) } + [
                    ("MatchedWikiEntryName", a["matched_wiki_entity_name"]!),
                    ("NormalizedMatchedWikiEntryName", a["normalized_matched_wiki_entity_name"]!)])
            }
            data.append(.object(JSONObject([
                ("Answer", .object(answer)), ("EntityPages", .array([])),
                ("Question", .string((i % 2 == 0 ? " " : "") + o["question"]!.stringValue!)),
                ("QuestionId", o["question_id"]!), ("QuestionSource", o["question_source"]!),
            ])))
        }
        let dir = TempDir()
        _ = dir.file("qa/wikipedia-dev.json", JSONValue.object(JSONObject([("Data", .array(data)), ("Domain", .string("Wikipedia"))])).serialized())
        _ = dir.file("evidence/wikipedia/A.txt", "evidence")
        try tar(["-czf", "triviaqa-rc.tar.gz", "qa", "evidence"], in: dir.url)
        let (f, server, home) = try await fetchFromArchive(.triviaqa, archive: dir.url.appendingPathComponent("triviaqa-rc.tar.gz"))
        defer { server.stop(); _ = home }
        #expect(try f.store.locate(.triviaqa).origin == "cache")
        #expect(try f.store.triviaQA().count == 7993)
    }

    @Test func anArchiveWithOtherDataFailsTheCatalogCheckAndInstallsNothing() async throws {
        let dir = TempDir()
        _ = dir.file("RACE/test/middle/1.txt", "{}")
        try tar(["-czf", "RACE.tar.gz", "RACE"], in: dir.url)
        let server = try LoopbackHTTPServer(routes: ["RACE.tar.gz": [UInt8](try Data(contentsOf: dir.url.appendingPathComponent("RACE.tar.gz")))])
        defer { server.stop() }
        let home = TempDir()
        let f = DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python") { _ in server.url("RACE.tar.gz") }
        do {
            try await f.fetch(.raceMiddle)
            Issue.record("an archive with other data was installed")
        } catch {
            #expect("\(error)".contains("checksum mismatch"))
        }
        #expect(!FileManager.default.fileExists(atPath: f.store.cacheDir.appendingPathComponent("race").path))
    }

    @Test func theMirrorIsStillTriedFirstForMemberLists() async throws {
        let race = try dataDir("race/MANIFEST.sha256").appendingPathComponent("race")
        var routes = ["m/race/MANIFEST.sha256": [UInt8](try Data(contentsOf: race.appendingPathComponent("MANIFEST.sha256")))]
        for m in try DatasetStore.parseMemberList(String(decoding: routes["m/race/MANIFEST.sha256"]!, as: UTF8.self), file: "list", base: race) {
            routes["m/race/" + m.path] = [UInt8](try Data(contentsOf: m.url))
        }
        let server = try LoopbackHTTPServer(routes: routes)
        defer { server.stop() }
        let home = TempDir()
        let f = DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python",
                               mirror: server.url("m/")) { _ in URL(string: "http://127.0.0.1:9/RACE.tar.gz")! }
        try await f.fetch(.raceHigh)
        #expect(server.requests.count == 1408)
        #expect(try f.store.race(.raceHigh).count == 1045)
    }
}
