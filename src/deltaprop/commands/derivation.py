"""Learner subcommands: explain, prove, check."""

import sys

from deltaprop.commands.common import command, nonnegative_float, nonnegative_int, positive_int
from deltaprop.derivation import tables
from deltaprop.derivation.explain import FORM_ALIASES, FORMS
from deltaprop.derivation.notations import BIASES
from deltaprop.derivation.tables import NOTATIONS, TABLES
from deltaprop.errors import ConfigError
from deltaprop.network import check_sizes

EXPLAIN_FORMATS = ("text", "markdown", "latex", "json", "html")
NG_NET = " --sizes 4,5,3 --activation sigmoid"
CHECK_EXAMPLES = (  # (arguments, exit status): the tests run them from the help text
    ("'delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])'", 0),
    ('"delta2 = (Theta2(:,2:end)\' * delta3) .* sigmoidGradient(z2)"' + NG_NET, 0),
    ("'z3 = Theta2 * a2'" + NG_NET, 0),
    ('"delta2 = (Theta2\' * delta3) .* sigmoidGradient(z2)"' + NG_NET + " --bias folded", 1),
    ('"\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma\'(z^l)" --activation sigmoid', 0),
    ("'dW = X.T @ dout'", 0),
    ("'db = dout.sum(axis=1)'", 1),
    ("'dx = dout' --activation relu", 1),
    ("'δ^(L) = ∂J/∂z^(L) = y − a^(L)'", 1),  # a chain: the first wrong step is 2
    ("--show-notation dlai", 0),  # a notation file to copy, edit and give to --notation-file
)
CHECK_EPILOG = "examples (the exit status after #):\n" + "\n".join(
    f"  deltaprop check {args}   # {status}" for args, status in CHECK_EXAMPLES
)


def register(subparsers):
    """Add this group's subcommands to ``subparsers``."""
    _register_explain(subparsers)
    _register_prove(subparsers)
    _register_check(subparsers)
    _register_exercise(subparsers)


def _register_explain(subparsers):
    p = command(subparsers, "explain", run_explain)
    p.add_argument(
        "--sizes",
        default="3,5,4,1",
        help="layer widths n_1,…,n_L, e.g. 3,5,4,2 or 3-5-4-2 (default 3,5,4,1)",
    )
    p.add_argument("--activation", default="tanh", help="φ of the hidden layers (default tanh)")
    p.add_argument("--loss", default="squared", help="squared (default), huber or poisson")
    p.add_argument(
        "--batch", type=positive_int, metavar="M", help="show the batched forms over M columns"
    )
    p.add_argument(
        "--alpha", type=nonnegative_float, default=0.0, help="L2 strength (with --batch)"
    )
    p.add_argument(
        "--form",
        default="hadamard",
        type=lambda text: FORM_ALIASES.get(text, text),  # old names, not shown in --help
        choices=FORMS,
        help="form of the δ recursion: hadamard (⊙ φ'), diag (P_l = Diag(φ')) or vjp "
        "(vector-Jacobian product)",
    )
    p.add_argument("--format", default="text", choices=EXPLAIN_FORMATS)
    p.add_argument("--example", action="store_true", help="print every intermediate's numbers")
    _add_seed(p, 1, "the example network and data")


def run_explain(args):
    """The forward and backward equations for one architecture in Ng's notation, the shape of
    every operand and result, and each line verified against central differences in float64."""
    from deltaprop.derivation import explain

    derivation = explain(
        check_sizes(args.sizes, name="--sizes"),
        args.activation,
        loss=args.loss,
        batch=args.batch,
        form=args.form,
        alpha=args.alpha,
        example=args.example or args.format == "html",
        seed=args.seed,
    )
    print(getattr(derivation, f"to_{args.format}")())  # one of EXPLAIN_FORMATS
    return 0 if derivation.ok else 1


def _register_prove(subparsers):
    p = command(subparsers, "prove", run_prove)
    p.add_argument("--sizes", default="2,3,2,1", help="layer widths (default 2,3,2,1)")
    p.add_argument("--activation", default="tanh", help="φ of the hidden layers (default tanh)")
    p.add_argument("--format", default="text", choices=("text", "json"))


def run_prove(args):
    """Symbolic proof for a small architecture (at most 4 layers of width <= 3): J is built from
    scalar symbols and differentiated by SymPy, and each entry is compared with the backprop
    equations that the network runs. Needs deltaprop[symbolic]."""
    from deltaprop.derivation import prove

    proof = prove(check_sizes(args.sizes, name="--sizes"), args.activation)
    print(proof.to_json() if args.format == "json" else proof.to_text())
    return 0 if proof.ok else 1


def _register_check(subparsers):
    p = command(
        subparsers,
        "check",
        run_check,
        "Parse an equation in LaTeX (\\delta^{(L)} \\odot ...), plain text "
        "(Theta[l].T @ delta[l+1] * dphi(z[l])) or Unicode; infer every subterm's shape; "
        "report the first undefined operation with a suggested fix; compare a well-shaped "
        "equation with the true values from the network's backward pass. Write 'LHS = RHS' "
        "or give the quantity with --for. A whole derivation (A = B = C, an align block with "
        "&= and \\\\, \\underbrace definitions, \\def macros, differentials) is judged "
        "step by step: the first wrong step, why, and the corrected step. --file reads every "
        "formula of a Markdown or MathJax post, a .tex file or plain text. See the tutorial "
        "(docs/tutorial.md), section 8, 'A whole derivation, step by step'. Exit status: 0 "
        "correct, 1 wrong, 2 unparseable (nothing readable) or bad arguments.",
        CHECK_EPILOG,
    )
    p.add_argument(
        "equation",
        nargs="?",
        help="e.g. 'delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])', or a whole derivation: "
        "'A = B = C', an align block with \\\\ and &=, \\underbrace{…}_{δ^{(L)}}, \\def macros, "
        "or several lines of one equation each (lines of code)",
    )
    p.add_argument(
        "--file",
        metavar="PATH",
        help="check every formula of a Markdown or MathJax post, a .tex file or plain text "
        "('-' reads standard input): one line per formula, then the details of each wrong one",
    )
    _add_test_network(p, named=True)
    p.add_argument(
        "--for",
        dest="target",
        metavar="QUANTITY",
        help="the quantity the expression is for, e.g. 'delta^(L-1)'",
    )
    _add_notation_options(p)
    p.add_argument(
        "--loss", default="squared", help="squared (default), huber or poisson, as in explain"
    )
    p.add_argument("--format", default="text", choices=("text", "json"))


def _add_notation_options(p):
    """--notation, --bias and --output-activation: how EQUATION is read, for which network."""
    p.add_argument(
        "--notation",
        choices=NOTATIONS,
        help="the notation of EQUATION (default: detected), one of: "
        + "; ".join(f"{t.name}, {t.title}: {t.example}" for t in TABLES).replace("%", "%%"),
    )
    p.add_argument(
        "--notation-file",
        metavar="FILE",
        help="a notation of your own: a TOML file in the format of the built-in ones (copy one "
        "from --show-notation and edit it); --define adds names to it",
    )
    p.add_argument(
        "--show-notation",
        choices=NOTATIONS,
        metavar="NAME",
        help="print the file of the built-in notation NAME (a template for --notation-file)",
    )
    p.add_argument(
        "--define",
        action="append",
        default=[],
        metavar="NAME=QUANTITY",
        help="a name of your own notation and the question's quantity it stands for, e.g. "
        "--define 'W^{[l]}=Theta^(l)' --define 'A^{[l]}=A^(l+1)' (repeat for each name); "
        "also times a number or transposed ('s^m=2 delta^(l+1)', 'w=Theta^(l)^T'), a "
        "function ('f=phi', '\\dot{F}=Diag(dphi)'), a layer letter ('M=L') or the input as "
        "layer 0 ('a^0=x')",
    )
    p.add_argument(
        "--bias",
        choices=BIASES,
        help="how Θ^(l) holds the bias: separate (b^(l), as in the question) or folded (Ng's "
        "course and ex4: a first column of Θ^(l), a bias unit on top of a^(l)); default: "
        "separate, and for Ng's notation also folded, and for Octave's names also ex4's "
        "vectorized code (one sample per row)",
    )
    p.add_argument(
        "--output-activation",
        metavar="PHI",
        help="judge for a network whose output layer applies PHI (Nielsen's sigmoid); "
        "default: a linear output, as in the question",
    )


def _add_seed(p, default, what):
    """--seed N, the random seed of ``what``."""
    p.add_argument(
        "--seed",
        type=nonnegative_int,
        default=default,
        metavar="N",
        help=f"random seed of {what} (default {default})",
    )


def _add_test_network(p, named=""):
    """--sizes, --activation and --seed: the random network that values are checked on;
    ``named``: the default of --activation is the function an equation names, else tanh."""
    p.add_argument("--sizes", help="an architecture; default: symbolic widths n_l")
    default = ": the one EQUATION or the --file names, sigmoid, tanh or relu, else tanh"
    default = default if named else " tanh"
    p.add_argument(
        "--activation",
        default=None if named else "tanh",
        help=f"φ of the hidden layers (default{default})",
    )
    _add_seed(p, 0, "the test network and values")


def run_check(args):
    from deltaprop.derivation import check, check_derivation, check_text, is_derivation, read_text

    if args.show_notation is not None:
        print(tables.source(args.show_notation), end="")
        return 0
    sizes = check_sizes(args.sizes, name="--sizes") if args.sizes else None
    if args.notation_file is not None:
        if args.notation is not None:
            raise ConfigError("give --notation NAME or --notation-file FILE, not both")
        args.notation = tables.load(args.notation_file)
    if (args.file is None) == (args.equation is None):
        raise ConfigError("give one EQUATION or --file PATH ('-' for standard input), not both")
    whole = {"sizes": sizes, "activation": args.activation, "seed": args.seed}
    whole |= {k: getattr(args, k) for k in ("notation", "output_activation", "loss", "bias")}
    whole["define"] = args.define
    if args.file is not None:
        if args.target is not None:
            raise ConfigError("--for names the quantity of one expression; drop it with --file")
        result = check_text(read_text(args.file), **whole)
    elif args.target is None and is_derivation(args.equation):
        result = check_derivation(args.equation, **whole)
    else:
        names = ("target", "seed", "notation", "output_activation", "loss", "bias", "define")
        options = {k: getattr(args, k) for k in names}
        result = check(args.equation, sizes, args.activation, **options)
    out = result.to_json() if args.format == "json" else result.to_text()
    print(out, file=sys.stdout)
    return result.exit_code


def _register_exercise(subparsers):
    p = command(subparsers, "exercise", run_exercise)
    _add_test_network(p)
    p.add_argument("--question", type=positive_int, default=1, metavar="K", help="with --answer")
    p.add_argument("--answer", metavar="EQUATION", help="grade this answer to question K")
    p.add_argument("--attempt", type=positive_int, default=1, help="which hint to give (1-3)")


def run_exercise(args):
    """Asks for one backward equation at a time (δ^(L), δ^(l), ∂J/∂Θ^(l), ∂J/∂b^(l), then the
    batched forms) and grades each typed answer with `check` against the network's true values;
    each wrong attempt gets a stronger hint (the shapes, then the operation, then the answer).
    With --answer it grades one answer and exits 0 (right) or 1 (wrong), for scripts and
    tests."""
    from deltaprop.derivation import exercise

    sizes = check_sizes(args.sizes, name="--sizes") if args.sizes else None
    options = {"sizes": sizes, "activation": args.activation, "seed": args.seed}
    if args.answer is not None:
        q = exercise.question(args.question)
        result = exercise.grade(q, args.answer, args.attempt, **options)
        print(f"{q.lhs} = {args.answer}: {'right' if result.right else 'not yet'}")
        if not result.right:
            print(f"  {result.message}\n  hint: {result.hint}")
        return 0 if result.right else 1
    print("Write the right side of each equation (LaTeX, plain text or Unicode); Ctrl-D ends.")
    counts = exercise.run(_ask, print, **options)
    print("\n" + exercise.summary(*counts))
    return 0


def _ask(prompt):
    try:
        return input(prompt)
    except EOFError:
        return None
