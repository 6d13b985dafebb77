/// The data of the LLaMA §3 benchmarks that are not code or maths (common-sense reasoning, closed-book QA, reading
/// comprehension, MMLU). Upstream URLs point at the exact bytes where a plain copy exists (the authors' repository,
/// or a pinned third-party copy whose hash equals an independent one); where the authors publish only an archive
/// in another layout, the URL names it and `upstreamArchive` says how `fetch` converts it.
extension Catalog {
    /// A plain (not gzipped upstream) file.
    static func plain(_ role: String, _ path: String, _ sha: String, _ records: Int, _ url: String) -> DatasetFile {
        DatasetFile(role: role, path: path, contentSHA256: sha, storedSHA256: sha, records: records, upstreamURL: url,
                    upstreamGzipped: false)
    }

    static let opencompass = "https://raw.githubusercontent.com/genggui001/opencompass/5649a0f7e3d246ed58ffaef865f8b818cd8e0044/data/"
    static let opencompassLFS = "https://media.githubusercontent.com/media/genggui001/opencompass/5649a0f7e3d246ed58ffaef865f8b818cd8e0044/data/"
    static let zhiwenliang = "https://raw.githubusercontent.com/zhiwenliang/model_evaluation/2d4ce8fedc000b98b882f9ba351a10aec8afc7be/data/"
    static let formulaMonks = "https://raw.githubusercontent.com/FormulaMonks/llm-benchmarker-suite/5d3c8009ab8f5adab4899c34dd203cbf7afcb372/data/ARC/"

    static let raceFiles = [DatasetFile(
        role: "test", path: "race/MANIFEST.sha256",
        contentSHA256: "a332b269c4d4fb83e369a514e76c29f59738bedb7ed1f7218489323bb9e6eba6",
        storedSHA256: "a332b269c4d4fb83e369a514e76c29f59738bedb7ed1f7218489323bb9e6eba6", records: 1407,
        upstreamURL: "http://www.cs.cmu.edu/~glai1/data/race/RACE.tar.gz", upstreamGzipped: true, isMemberList: true,
        upstreamArchive: .race)]

    static let section3: [DatasetInfo] = [
        DatasetInfo(
            id: .boolq, title: "BoolQ (Clark et al. 2019), SuperGLUE validation", license: "CC-BY-SA-3.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "boolq/val.jsonl.gz",
                contentSHA256: "0c86a5045886e5795fe9052003873f7d94b88ed3028a33007c51d99e44fd66d9",
                storedSHA256: "663c9b9fc2483191dd4f691de93b84ae21c3f9f22db56ad92506509d7cc275cc", records: 3270,
                upstreamURL: zhiwenliang + "SuperGLUE/BoolQ/val.jsonl", upstreamGzipped: false)],
            pypi: nil, notes: "label is a JSON boolean; passage is 'Title -- text'"),
        DatasetInfo(
            id: .piqa, title: "PIQA (Bisk et al. 2020), validation", license: "AFL-3.0", schemaVersion: 1,
            files: [
                plain("test", "piqa/valid.jsonl", "93503cc97c679e459b065c3d13e848282e44b2a25213985bed3e5d458abef72d", 1838,
                      "https://raw.githubusercontent.com/ybisk/ybisk.github.io/21edab439af693b961be2f069e8690a88d3b4e37/piqa/data/valid.jsonl"),
                plain("labels", "piqa/valid-labels.lst", "b4192dc3a2a0363d9d60ccf79800cbbe2f32ebb17726efdde6970e0b8131bceb", 1838,
                      "https://raw.githubusercontent.com/ybisk/ybisk.github.io/21edab439af693b961be2f069e8690a88d3b4e37/piqa/data/valid-labels.lst"),
            ],
            pypi: nil, notes: "labels line-aligned, 0 = sol1"),
        DatasetInfo(
            id: .siqa, title: "Social IQa (Sap et al. 2019), dev", license: "CC-BY-4.0", schemaVersion: 1,
            files: [
                plain("test", "siqa/dev.jsonl", "d8128dfe60783a9971b954ca82dd57b87b05d5d40468876d51a8e1ad2c557465", 1954,
                      opencompassLFS + "siqa/dev.jsonl"),
                plain("labels", "siqa/dev-labels.lst", "2d882ff71969d3980d37dd07aecdf9093c6e63e27c670f3a203bcf3b9b74bc05", 1954,
                      opencompass + "siqa/dev-labels.lst"),
            ],
            pypi: nil, notes: "labels line-aligned, 1/2/3 = answerA/B/C"),
        DatasetInfo(
            id: .hellaswag, title: "HellaSwag (Zellers et al. 2019), validation", license: "MIT", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "hellaswag/hellaswag_val.jsonl.gz",
                contentSHA256: "dc1be2fa1bef56aab8e92a5be597a617e363b09239fa66822939d7fb7a8da4ec",
                storedSHA256: "8c0a4bc44ab7245773e8e14e6630db0319fd0e9ba5cf53467a1e3d629f7c7ad7", records: 10042,
                upstreamURL: "https://raw.githubusercontent.com/rowanz/hellaswag/6774d74db0a963013d28bd9323c32de8dd506038/data/hellaswag_val.jsonl",
                upstreamGzipped: false,
                alternateContentSHA256: ["0aa3b88843990f3f10a97b9575c94d7b71fb2205240ba04ae4884d9e9c992588"])],
            pypi: nil, notes: "the mirror holds a content-identical re-serialisation; the upstream original also verifies"),
        DatasetInfo(
            id: .winogrande, title: "WinoGrande 1.1 (Sakaguchi et al. 2020), dev (xl)", license: "CC-BY-2.0", schemaVersion: 1,
            files: [
                plain("test", "winogrande/dev.jsonl", "1aeac79cf46a3dcbe59a71ca7e5372a1490cde2b4ae2387dc56f00378104d2e8", 1267,
                      zhiwenliang + "winogrande/dev.jsonl"),
                plain("labels", "winogrande/dev-labels.lst", "5ae1e30f52a50b880515685dcfae7d57649cce256d375947cdd02f687de7e6ba", 1267,
                      opencompass + "winogrande/dev-labels.lst"),
            ],
            pypi: nil, notes: "labels line-aligned, 1/2 = option1/option2"),
        DatasetInfo(
            id: .arcEasy, title: "ARC-Easy (Clark et al. 2018), test", license: "CC-BY-SA-4.0", schemaVersion: 1,
            files: [plain("test", "arc/ARC-Easy-Test.jsonl", "ce32a0774b4beb1977d2c6b16dda5dd2b24fdc9c7f506882c452678676bd09be", 2376,
                          formulaMonks + "ARC-e/ARC-Easy-Test.jsonl")],
            pypi: nil, notes: "3 to 5 choices; labels A-E or 1-5"),
        DatasetInfo(
            id: .arcChallenge, title: "ARC-Challenge (Clark et al. 2018), test", license: "CC-BY-SA-4.0", schemaVersion: 1,
            files: [plain("test", "arc/ARC-Challenge-Test.jsonl", "9fa8ffb3e3a1f88cb302d53dd95aae81e39209ad9bcf974376b319d8fd35717c", 1172,
                          formulaMonks + "ARC-c/ARC-Challenge-Test.jsonl")],
            pypi: nil, notes: "3 to 5 choices; labels A-E or 1-5"),
        DatasetInfo(
            id: .openbookqa, title: "OpenBookQA (Mihaylov et al. 2018), test", license: "Apache-2.0", schemaVersion: 1,
            files: [plain("test", "openbookqa/test.jsonl", "feb2bd9bfa6161dca4c44ce90e51e8cdada83eb5061407fcdc5005e44aaf2313", 500,
                          opencompassLFS + "openbookqa/Main/test.jsonl")],
            pypi: nil, notes: "4 choices A-D"),
        DatasetInfo(
            id: .nq, title: "NaturalQuestions-open (Lee et al. 2019), dev", license: "CC-BY-SA-3.0", schemaVersion: 1,
            files: [plain("test", "nq_open/NQ-open.dev.jsonl", "f15567f38099f3615f5b8a685c0aef449c11ad90d3da3735e8d1b98115b40616", 3610,
                          "https://raw.githubusercontent.com/google-research-datasets/natural-questions/fb26a3073b1fe636c97302890a27b491d6530130/nq_open/NQ-open.dev.jsonl")],
            pypi: nil, notes: "the 3,610-question set reported as NQ test before EfficientQA"),
        DatasetInfo(
            id: .triviaqa, title: "TriviaQA (Joshi et al. 2017), Wikipedia half of the filtered dev set", license: "Apache-2.0",
            schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "triviaqa/rc.wikipedia.nocontext.validation.jsonl.gz",
                contentSHA256: "0235313a15a6fedf659ea2f08e2b13abc9f75bd2daadcd91186ce8345b206d88",
                storedSHA256: "f9bc9ff9decb956df6eb850a23f24c5e7c67f0d9e264eea3cfa6ab65731d41e8", records: 7993,
                upstreamURL: "https://nlp.cs.washington.edu/triviaqa/data/triviaqa-rc.tar.gz", upstreamGzipped: true,
                upstreamArchive: .triviaqa)],
            pypi: nil, notes: "Wikipedia half only (7,993 of the filtered dev set), not the 11,313 unfiltered dev questions"),
        DatasetInfo(
            id: .raceMiddle, title: "RACE middle (Lai et al. 2017), test", license: "RACE terms (non-commercial research)",
            schemaVersion: 1, files: raceFiles, pypi: nil, notes: "test/middle: 362 articles, 1,436 questions"),
        DatasetInfo(
            id: .raceHigh, title: "RACE high (Lai et al. 2017), test", license: "RACE terms (non-commercial research)",
            schemaVersion: 1, files: raceFiles, pypi: nil, notes: "test/high: 1,045 articles, 3,498 questions"),
        DatasetInfo(
            id: .mmlu, title: "MMLU (Hendrycks et al. 2021), 57 subjects", license: "MIT", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "mmlu/MANIFEST.sha256",
                contentSHA256: "ddb5969ba0474411e8590d8c8110daad48c4dfb08114ee596385ea9d7e9a6614",
                storedSHA256: "ddb5969ba0474411e8590d8c8110daad48c4dfb08114ee596385ea9d7e9a6614", records: 171,
                upstreamURL: "https://people.eecs.berkeley.edu/~hendrycks/data.tar", upstreamGzipped: false, isMemberList: true,
                upstreamArchive: .mmlu)],
            pypi: nil, notes: "headerless CSV per subject: question, A, B, C, D, answer; dev (5 per subject) are the shots"),
    ]
}
