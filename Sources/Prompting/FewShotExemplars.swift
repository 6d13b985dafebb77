/// Few-shot exemplars, kept as data. Both sets are short public benchmark prompts:
/// GSM8k = the 8 chain-of-thought exemplars of Wei et al. (2022) as used by lm-eval `gsm8k_cot`;
/// MATH = the 4 Minerva exemplars of Lewkowycz et al. (2022, appendix D.2) as used by lm-eval `minerva_math`.
public struct Exemplar: Sendable, Equatable {
    public let question: String
    public let answer: String
}

public enum FewShotExemplars {
    /// GSM8k 8-shot CoT. `answer` is the target text, ending with "The answer is N."
    public static let gsm8kCoT: [Exemplar] = [
        Exemplar(
            question: "There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
            answer: "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6."),
        Exemplar(
            question: "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
            answer: "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5."),
        Exemplar(
            question: "Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
            answer: "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39."),
        Exemplar(
            question: "Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
            answer: "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8."),
        Exemplar(
            question: "Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
            answer: "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9."),
        Exemplar(
            question: "There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
            answer: "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29."),
        Exemplar(
            question: "Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
            answer: "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33."),
        Exemplar(
            question: "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
            answer: "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8."),
    ]

    /// MATH 4-shot Minerva. `answer` is the solution ending with the "Final Answer: … I hope it is correct." line.
    /// The LaTeX row break is written `\\` (lm-eval's Python literal lost one backslash; Minerva's text has two),
    /// and the first problem keeps lm-eval's double space and trailing `}` so prompts match its bytes otherwise.
    public static let minervaMath: [Exemplar] = [
        Exemplar(
            question: #"Find the domain of the expression  $\frac{\sqrt{x-2}}{\sqrt{5-x}}$.}"#,
            answer: #"The expressions inside each square root must be non-negative. Therefore, $x-2 \ge 0$, so $x\ge2$, and $5 - x \ge 0$, so $x \le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\boxed{[2,5)}$."#
                + "\n" + #"Final Answer: The final answer is $[2,5)$. I hope it is correct."#),
        Exemplar(
            question: #"If $\det \mathbf{A} = 2$ and $\det \mathbf{B} = 12,$ then find $\det (\mathbf{A} \mathbf{B}).$"#,
            answer: #"We have that $\det (\mathbf{A} \mathbf{B}) = (\det \mathbf{A})(\det \mathbf{B}) = (2)(12) = \boxed{24}.$"#
                + "\n" + #"Final Answer: The final answer is $24$. I hope it is correct."#),
        Exemplar(
            question: "Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?",
            answer: #"If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\cdot 12\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\cdot15\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:"#
                + "\n" + #"\begin{align*}"# + "\n" + #"30n&=480\\"# + "\n" + #"\Rightarrow\qquad n&=480/30=\boxed{16}"# + "\n"
                + #"\end{align*}"# + "\n" + #"Final Answer: The final answer is $16$. I hope it is correct."#),
        Exemplar(
            question: "If the system of equations\n\n" + #"\begin{align*}"# + "\n" + #"6x-4y&=a,\\"# + "\n" + #"6y-9x &=b."# + "\n"
                + #"\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,"# + "\n"
                + #"find $\frac{a}{b},$ assuming $b$ is nonzero."#,
            answer: #"If we multiply the first equation by $-\frac{3}{2}$, we obtain"# + "\n\n"
                + #"$$6y-9x=-\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have"# + "\n\n"
                + #"$$-\frac{3}{2}a=b\Rightarrow\frac{a}{b}=\boxed{-\frac{2}{3}}.$$"# + "\n"
                + #"Final Answer: The final answer is $-\frac{2}{3}$. I hope it is correct."#),
    ]
}
