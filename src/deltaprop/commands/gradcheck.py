"""``deltaprop gradcheck``: backpropagation against central finite differences."""

import numpy as np

from deltaprop.activations import ACTIVATIONS
from deltaprop.commands.common import (
    add_defaulted,
    command,
    layer_sizes,
    load,
    nonnegative_float,
    nonnegative_int,
    positive_int,
)
from deltaprop.errors import ConfigError
from deltaprop.losses import LOSSES, get_loss
from deltaprop.network import parameter_count

GRADCHECK_EPILOG = """\
examples:
  deltaprop gradcheck                                    # a random 3-5-4-2 tanh network
  deltaprop gradcheck --sizes 4,8,1 --activation relu --loss huber --alpha 0.1
  deltaprop gradcheck model.npz --mode directions        # the network of a saved model

Exit status 0 when the largest relative error is at most --tol, 1 otherwise.
"""


GRADCHECK_DEFAULTS = dict(alpha=0, samples=8, seed=0, tol=1e-6)
OPTIONS = (  # flag, type, metavar, help
    ("--alpha", nonnegative_float, "A", "L2 penalty α"),
    ("--samples", positive_int, "M", "number m of random samples"),
    ("--seed", nonnegative_int, "S", "seed of the network and data"),
    ("--tol", nonnegative_float, "TOL", "largest relative error that passes"),
)


def register(subparsers):
    """Add `deltaprop gradcheck` to ``subparsers``."""
    p = command(
        subparsers,
        "gradcheck",
        gradcheck_command,
        "Compare the backpropagation gradient with central finite differences in "
        "float64 on random data and print the relative error per layer.",
        GRADCHECK_EPILOG,
    )
    p.add_argument(
        "model",
        nargs="?",
        metavar="MODEL.npz",
        help="check the network of this saved model (default: a random network)",
    )
    p.add_argument(
        "--sizes",
        type=layer_sizes(2),
        default=(3, 5, 4, 2),
        metavar="N,N[,N]",
        help="layer widths n_1,…,n_L of the random network (default: 3,5,4,2)",
    )
    p.add_argument(
        "--activation",
        default="tanh",
        metavar="NAME",
        help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: tanh; a model keeps its own)",
    )
    p.add_argument(
        "--loss",
        metavar="NAME",
        help=f"loss: {', '.join(LOSSES)} (default: the model's loss, else squared)",
    )
    p.add_argument(
        "--mode",
        choices=("full", "directions"),
        default="full",
        help="full: every parameter; directions: random directions, for big "
        "networks (default: full)",
    )
    add_defaulted(p, OPTIONS, GRADCHECK_DEFAULTS)


MAX_FULL_PARAMETERS = 5_000  # --mode full perturbs each one: time grows as their square
MAX_CELLS = 2**25  # float64 numbers held at once (256 MiB): network copies, data, activations


def check_work(sizes, samples, mode):
    """Before allocating: a ``ConfigError`` (one line) when the check of a network of
    ``sizes`` on ``samples`` random samples would hold more than ``MAX_CELLS`` numbers, or
    when --mode full would perturb more than ``MAX_FULL_PARAMETERS`` parameters."""
    count = parameter_count(sizes)
    cells = 12 * count + 4 * samples * sum(sizes)  # Θ copies and gradients; X, Y, z, a, δ
    if cells > MAX_CELLS:
        raise ConfigError(
            f"a network of sizes {','.join(map(str, sizes))} ({count:,} parameters) on "
            f"{samples:,} samples needs about {cells * 8 / 2**30:.3g} GiB; gradcheck takes at "
            f"most {MAX_CELLS * 8 / 2**30:.3g} GiB: use fewer --samples or smaller --sizes"
        )
    if mode == "full" and count > MAX_FULL_PARAMETERS:
        raise ConfigError(
            f"--mode full checks the {count:,} parameters one by one (at most "
            f"{MAX_FULL_PARAMETERS:,}, minutes beyond); use --mode directions for a network "
            "this big"
        )


def gradcheck_command(args) -> int:
    from deltaprop.gradcheck import format_error, gradcheck
    from deltaprop.network import Network

    rng = np.random.default_rng(args.seed)
    loss = args.loss or "squared"
    if args.model is not None:
        model = load(args.model)[0]
        net, loss = model.network_, args.loss or model.loss
        check_work(net.sizes, args.samples, args.mode)
    else:
        check_work(args.sizes, args.samples, args.mode)
        net = Network(args.sizes, args.activation, rng=rng, output=get_loss(loss).output)
    X = rng.standard_normal((net.sizes[0], args.samples))  # (n_1, m)
    Y = rng.standard_normal((net.sizes[-1], args.samples))  # (n_L, m)
    if net.output.name == "exp":  # the Poisson loss: counts
        Y = rng.poisson(2.0, size=Y.shape).astype(np.float64)  # (n_L, m)
    report = gradcheck(
        net, X, Y, alpha=args.alpha, loss=loss, mode=args.mode, rng=rng, tol=args.tol
    )
    print(report)
    passed = report.passed()
    print(
        f"{'PASSED' if passed else 'FAILED'}: max relative error "
        f"{format_error(report.max_rel_error)} {'<=' if passed else '>'} tol {args.tol:.3g}"
    )
    return 0 if passed else 1
