import Testing
@testable import Scoring

@Suite("MATH extraction and reference normalisers")
struct MathReferenceTests {
    @Test("checklist 29: Minerva final-answer extraction")
    func item29() {
        #expect(MathExtraction.minervaFinalAnswer("Final Answer: The final answer is $4$. I hope it is correct.") == "$4$")
        #expect(MinervaNormalizer.normalize(MathExtraction.minervaFinalAnswer("Final Answer: The final answer is $4$. I hope it is correct.")) == "4")
        #expect(MathExtraction.minervaFinalAnswer("...so Final Answer: The final answer is 17") == "[invalidanswer]")
        // No space before the appended sentence: lm-eval finds no match either.
        #expect(MathExtraction.minervaFinalAnswer("Final Answer: The final answer is $\\frac{1}{2}$.") == "[invalidanswer]")
        #expect(MathExtraction.minervaFinalAnswer("Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.") == "$\\frac{1}{2}$")
        #expect(MathExtraction.minervaFinalAnswer("no final answer") == "[invalidanswer]")
    }

    @Test("checklist 30: gold is the last boxed answer with brace matching")
    func item30() {
        #expect(MathExtraction.lastBoxed("\\boxed{\\frac{1}{2}} and then \\boxed{3}") == "3")
        #expect(MathExtraction.lastBoxed("so $\\boxed{\\frac{1}{\\sqrt{2}}}$.") == "\\frac{1}{\\sqrt{2}}")
        #expect(MathExtraction.lastBoxed("the answer is $\\boxed 5$.") == "5")
        #expect(MathExtraction.lastBoxed("\\fbox{7}") == "7")
        #expect(MathExtraction.lastBoxed("no box") == nil)
        #expect(MathExtraction.lastBoxed("\\boxed{unclosed") == nil)
    }

    @Test("checklist 31: normalize_final_answer outputs, quirks included", arguments: [
        ("$24$", "24"), ("x = 5", "5"), ("\\frac12", "\\frac{1}{2}"), ("10\\text{ cm}", "10"),
        ("100,000", "100000"), ("1,234.5", "1,234.5"), ("\\text{(C)}", "(C)"), ("90^\\circ", "90"),
        ("a 5", "5"), ("x=2, y=3", "3"), ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\le(3,\\frac{\\pi}{2}\\right)"),
        ("\\boxed{7}", "7"), ("\\sqrt2", "\\sqrt{2}"), ("5 \\text{ dollars}", "5"),
    ])
    func item31(input: String, expected: String) {
        #expect(MinervaNormalizer.normalize(input) == expected)
    }

    @Test("checklist 32: lm-eval compat has no string shortcut; default does")
    func item32() {
        #expect(!MathChecker.isEquivalent(gold: "(2,4)", answer: "(2,4)", checker: .minerva))
        #expect(!MathChecker.isEquivalent(gold: "\\begin{pmatrix}1\\\\2\\end{pmatrix}", answer: "\\begin{pmatrix}1\\\\2\\end{pmatrix}", checker: .minerva))
        #expect(MathChecker.isEquivalent(gold: "(2,4)", answer: "(2,4)", checker: .default))
        #expect(MathChecker.isEquivalent(gold: "\\frac{1}{2}", answer: "0.5", checker: .minerva))
        #expect(!MathChecker.isEquivalent(gold: "\\frac{1}{2}", answer: "\\frac{1}{", checker: .minerva))
        #expect(!MathChecker.isEquivalent(gold: "9^{9^{9^{9}}}", answer: "9^{9^{9^{9}}}+1", checker: .minerva))
    }

    @Test("checklist 33: maj1@k over normalised MATH answers")
    func item33() {
        let answers = ["\\frac{1}{2}", "0.5", "\\dfrac12", "3"]
        let key: (String) -> String = { MinervaNormalizer.normalize($0) }
        #expect(MajorityVote.vote(answers, policy: .dropInvalid, key: key) == "\\frac{1}{2}")
    }

    @Test("checklist 34: Hendrycks is_equiv true cases", arguments: [
        ("\\tfrac{1}{2} +\\! \\frac1{72}", "\\\\dfrac{1}{2} +\\frac{1}{72}"), ("10\\text{ units}", "10 "),
        ("10", "\\$10"), ("\\left(x-2\\right)\\left(x+2\\right)", "(x-2)(x+2)"), ("0.1", ".1"), ("10\\%", "10"),
        ("10\\sqrt{3} + \\sqrt4", "10\\sqrt3 + \\sqrt{4}"), ("\\frac34i", "\\frac{3}{4}i"), ("\\tfrac83", "\\frac{8}{3}"),
        ("1/2", "\\frac{1}{2}"), ("k = 5", "5"),
    ])
    func item34True(a: String, b: String) {
        #expect(HendrycksEquivalence.isEquiv(a, b))
    }

    @Test("checklist 34: Hendrycks is_equiv false cases", arguments: [
        ("10, 4, -2", "4, 10, -2"), ("10\\text{ units}", "100 "), ("0.1, 4, 2", "4, .1, 2"),
        ("5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0"), ("xyz = 5", "5"), ("5", "5.0"),
    ])
    func item34False(a: String, b: String) {
        #expect(!HendrycksEquivalence.isEquiv(a, b))
    }

    @Test func hendrycksRaisesFallBackToRawComparison() {
        // `x/2` makes int() raise in _fix_a_slash_b: the raw strings are compared.
        #expect(HendrycksEquivalence.isEquiv("x/2", "x/2"))
        #expect(!HendrycksEquivalence.isEquiv("x/2", "x/ 2"))
        #expect(HendrycksEquivalence.isEquiv(nil, nil))
        #expect(!HendrycksEquivalence.isEquiv("1", nil))
    }
}

/// (gold, answer, expected) triples for the default checker, one rule per group.
let defaultCheckerTriples: [(String, String, Bool)] = [
    // Numbers and formatting
    ("5", "5", true), ("5", "5.0", true), ("5", "5.00", true), ("5", "05", true), ("0.5", ".5", true),
    ("-3", "-3.0", true), ("5", "6", false), ("5", "-5", false), ("1000", "1,000", true), ("1234567", "1,234,567", true),
    ("1,000", "1000.0", true), ("3.14", "3.14159", false), ("0.333", "\\frac{1}{3}", false), ("2", "2.0000000001", true),
    ("100", "1e2", false), ("12", "12.", true),
    // Fractions
    ("\\frac{1}{2}", "0.5", true), ("\\dfrac{1}{2}", "0.5", true), ("\\tfrac{1}{2}", "\\frac{1}{2}", true),
    ("\\frac12", "\\frac{1}{2}", true), ("\\frac{2}{4}", "\\frac{1}{2}", true), ("\\frac{3}{4}", "0.75", true),
    ("\\frac{1}{3}", "0.3333", false), ("-\\frac{2}{3}", "\\frac{-2}{3}", true), ("-\\frac{2}{3}", "-\\frac23", true),
    ("\\frac{1}{2}", "\\frac{1}{3}", false), ("1/2", "\\frac{1}{2}", true), ("\\frac{7}{2}", "3\\frac{1}{2}", false),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", true), ("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", true),
    // Roots and powers
    ("\\sqrt{2}", "\\sqrt2", true), ("2\\sqrt{2}", "\\sqrt{8}", true), ("\\sqrt[3]{8}", "2", true),
    ("\\sqrt[3]{-8}", "-2", true), ("2^{10}", "1024", true), ("2^3", "8", true), ("x^2", "x^{2}", true),
    ("\\sqrt{12}", "2\\sqrt{3}", true), ("\\sqrt{2}", "1.41421356", false), ("4^{1/2}", "2", true),
    ("10\\sqrt{3} + \\sqrt4", "10\\sqrt3 + 2", true), ("3^{-1}", "\\frac{1}{3}", true), ("(-8)^{1/3}", "-2", true),
    // Constants and implicit multiplication
    ("2\\pi", "2 \\pi", true), ("\\pi", "3.14159265358979", true), ("\\frac{\\pi}{2}", "\\frac{1}{2}\\pi", true),
    ("6\\pi", "6 \\cdot \\pi", true), ("3\\times 4", "12", true), ("12 \\div 4", "3", true), ("2\\cdot 3", "6", true),
    ("\\pi r^2", "r^2\\pi", true), ("4\\pi", "4", false), ("2(3+4)", "14", true), ("(1+2)(3+4)", "21", true),
    // Variables (compared at several points)
    ("x+1", "1+x", true), ("2x", "x+x", true), ("x^2-1", "(x-1)(x+1)", true), ("(x-2)(x+2)", "x^2-4", true),
    ("\\left(x-2\\right)\\left(x+2\\right)", "(x-2)(x+2)", true), ("x^2+2x+1", "(x+1)^2", true),
    ("x^2+2x", "(x+1)^2", false), ("ab", "ba", true), ("a+b", "a-b", false), ("\\frac{x}{2}", "0.5x", true),
    ("2n+1", "1+2n", true), ("n^2", "n \\cdot n", true), ("\\frac{a}{b}", "a/b", true), ("y", "x", false),
    ("\\alpha+\\beta", "\\beta+\\alpha", true), ("x_1+x_2", "x_2+x_1", true), ("3x^2", "3x^3", false),
    // Equations, labels
    ("5", "x = 5", true), ("x = 5", "5", true), ("k=5", "5", true), ("y = 2x+1", "2x+1", true), ("5", "x = 6", false),
    ("4", "a = 4", true), ("y=-3x+2", "-3x+2", true), ("f(x) = x^2", "x^2", true),
    // Units, text, dollars, percent, degrees
    ("10", "10 \\text{ cm}", true), ("10", "10\\text{ cm}^2", true), ("5", "\\$5", true), ("5", "$5$", true),
    ("45", "45^\\circ", true), ("45", "45^{\\circ}", true), ("25", "25\\%", true), ("7", "7 \\text{ inches}", true),
    ("30", "30\\text{ degrees}", true), ("10", "11\\text{ cm}", false), ("\\text{Monday}", "Monday", true),
    ("\\text{Monday}", "\\text{Tuesday}", false), ("\\$18.90", "18.90", true), ("18.9", "\\$18.90", true),
    ("6", "\\mbox{6}", true), ("6", "\\boxed{6}", true), ("\\boxed{\\frac{1}{2}}", "0.5", true),
    // Tuples and points (ordered)
    ("(2,4)", "(2, 4)", true), ("(2,4)", "(4,2)", false), ("(1,2,3)", "(1, 2, 3)", true), ("(1,2,3)", "(1,2)", false),
    ("(\\frac{1}{2}, 3)", "(0.5, 3)", true), ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\frac{\\pi}{2})", true),
    ("(3, \\frac{\\pi}{2})", "(3, \\frac{\\pi}{3})", false), ("(-1, 2)", "(-1,2)", true), ("(0,0)", "(0,0,0)", false),
    // Intervals (open/closed ends matter)
    ("[2,5)", "[2, 5)", true), ("[2,5)", "(2,5]", false), ("[2,5)", "[2,5]", false), ("(2,5)", "(2,5)", true),
    ("(-\\infty, 3]", "(-\\infty,3]", true), ("(-\\infty, 3]", "(-\\infty, 3)", false), ("[0,1]", "[0, 1.0]", true),
    ("(-\\infty,0)\\cup(1,\\infty)", "(1,\\infty)\\cup(-\\infty,0)", true), ("[1,2]", "[1,3]", false),
    // Sets and comma lists (unordered)
    ("\\{1,2,3\\}", "\\{3,2,1\\}", true), ("\\{1,2\\}", "\\{1,2,3\\}", false), ("1, 2, 3", "3, 2, 1", true),
    ("1,2", "2,1", true), ("1, 2", "1, 3", false), ("-2, 4", "4, -2", true), ("\\frac{1}{2}, 3", "3, 0.5", true),
    ("10, 4, -2", "4, 10, -2", true), ("1, 1, 2", "1, 2, 2", false), ("x+1, x-1", "x-1, x+1", true),
    // Matrices
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", true),
    ("\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", true),
    ("\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\4&3\\end{pmatrix}", false),
    ("\\begin{pmatrix}\\frac{1}{2}\\\\0\\end{pmatrix}", "\\begin{pmatrix}0.5\\\\0\\end{pmatrix}", true),
    // Multiple choice
    ("C", "(C)", true), ("\\text{(C)}", "C", true), ("(A)", "A", true), ("B", "(C)", false), ("\\text{(E)}", "(E)", true),
    // Invalid / unparsable answers are never equal
    ("5", "[invalidanswer]", false), ("5", "", false), ("\\frac{1}{2}", "\\frac{1}{", false), ("5", "five", false),
    ("x", "\\unknowncommand{x}", false), ("2", "((((", false), ("1", "1/0", false),
    // Blow-ups terminate and are not equal
    ("1", "9^{9^{9^{9}}}", false), ("1", "170!", false), ("6", "3!", true), ("120", "5!", true),
    // Scientific notation and large numbers
    ("1.5\\times10^{3}", "1500", true), ("3\\times 10^{-2}", "0.03", true), ("2^{100}", "1267650600228229401496703205376", true),
    // Functions
    ("\\sin x", "\\sin(x)", true), ("\\ln 2", "\\ln(2)", true), ("\\cos^2 x + \\sin^2 x", "1", true),
    ("\\log_{10} 100", "2", false), ("|x|", "|x|", true), ("\\tan\\frac{\\pi}{4}", "1", true),
    // Complex numbers and i
    ("3+4i", "4i+3", true), ("3+4i", "3-4i", false), ("\\frac34i", "\\frac{3}{4}i", true),
    // Odd spacing and commands
    ("\\!5", "5", true), ("5\\,000", "5000", true), ("\\displaystyle\\frac{1}{2}", "0.5", true),
    ("10{,}000", "10000", true), ("\\left[ 1, 2 \\right]", "[1,2]", true),
]

@Suite("MATH default checker")
struct DefaultCheckerTests {
    @Test("default checker triples")
    func triples() {
        #expect(defaultCheckerTriples.count >= 150)
        for (gold, answer, expected) in defaultCheckerTriples {
            let got = MathChecker.isEquivalent(gold: gold, answer: answer, checker: .default)
            #expect(got == expected, "gold \(gold) vs answer \(answer): expected \(expected)")
        }
    }

    @Test("issue acceptance examples")
    func acceptance() {
        #expect(MathChecker.isEquivalent(gold: "\\dfrac{1}{2}", answer: "0.5", checker: .default))
        #expect(!MathChecker.isEquivalent(gold: "5", answer: "5.0", checker: .hendrycks))
        #expect(MathChecker.isEquivalent(gold: "(2,4)", answer: "(2, 4)", checker: .default))
        #expect(!MathChecker.isEquivalent(gold: "[2,5)", answer: "(2,5]", checker: .default))
    }

    @Test("default is at least as accepting as Hendrycks on its true cases")
    func supersetOfHendrycks() {
        let pairs = [("\\tfrac{1}{2} +\\! \\frac1{72}", "\\dfrac{1}{2} +\\frac{1}{72}"), ("10\\text{ units}", "10 "),
                     ("10", "\\$10"), ("0.1", ".1"), ("10\\%", "10"), ("\\tfrac83", "\\frac{8}{3}"), ("1/2", "\\frac{1}{2}"),
                     ("k = 5", "5")]
        for (a, b) in pairs { #expect(MathChecker.isEquivalent(gold: a, answer: b), "\(a) vs \(b)") }
    }
}
