"""PyTorch: to_torch / from_torch give the same predictions; files hold tensors and JSON only.

Skipped when PyTorch is not installed (it is never a dependency; ``pip install torch`` to run).
"""

import json

import numpy as np
import pytest

from deltaprop import ACTIVATIONS, ConfigError, ModelFileError, from_torch, gradcheck, to_torch
from deltaprop.cli import main
from deltaprop.interop import load_torch
from deltaprop.io import load_model, save_model
from deltaprop.relerror import rel_error
from test_interop_common import random_estimator, random_X

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
nn = torch.nn

TOL = {"float32": 1e-6, "float64": 1e-12}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """PyTorch's thread pool spins on a busy 2-core machine (50× slower steps): use one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


MODULES = {
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "softplus": nn.Softplus,  # PyTorch's defaults (threshold 20) are accepted
}


def run_torch(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


def torch_net(activation, sizes=(3, 8, 6, 2), seed=0):
    """A float64 Sequential as a PyTorch user writes it, with PyTorch's own initialization."""
    torch.manual_seed(seed)
    layers = []
    for n, n_next in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n, n_next), MODULES[activation]()]
    return nn.Sequential(*layers[:-1]).double()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_to_torch_predicts_as_deltaprop(activation, dtype):
    est = random_estimator(activation, dtype)
    X = random_X(est)
    module = to_torch(est)
    assert [type(m).__name__ for m in module][::2] == ["Linear"] * 3
    assert module[0].weight.dtype == getattr(torch, dtype)
    assert rel_error(run_torch(module, X), est.predict(X)) <= TOL[dtype]
    assert rel_error(from_torch(module).predict(X), est.predict(X)) <= TOL[dtype]


@pytest.mark.parametrize("activation", list(MODULES))
def test_from_torch_predicts_as_pytorch(activation):
    module = torch_net(activation)
    est = from_torch(module)
    X = np.random.default_rng(0).standard_normal((50, 3)) * 3
    assert est.network_.activation.name == activation
    assert rel_error(est.predict(X), run_torch(module, X)) <= 1e-12
    np.testing.assert_array_equal(est.network_.theta[1], module[0].weight.detach().numpy())
    np.testing.assert_array_equal(est.network_.b[2], module[0].bias.detach().numpy())


def test_from_torch_layouts_without_activation_or_bias():
    torch.manual_seed(1)
    X = np.random.default_rng(1).standard_normal((20, 4))
    for module in (
        nn.Sequential(nn.Linear(4, 1)),  # a linear model: sizes (4, 1)
        nn.Sequential(nn.Linear(4, 3, bias=False), nn.Linear(3, 1)),  # identity between
    ):
        est = from_torch(module.double())
        assert est.predict(X).shape == (20,)  # one output: (m,), as scikit-learn
        assert rel_error(est.predict(X), run_torch(module, X)[:, 0]) <= 1e-12


def test_network_trained_with_pytorch_passes_gradcheck_and_saves(tmp_path, capsys):
    module = torch_net("tanh", sizes=(3, 5, 1))
    X = torch.randn(64, 3, dtype=torch.float64)
    y = X[:, :1] * X[:, 1:2]
    for _ in range(20):  # gradient descent by hand: torch.optim imports much of PyTorch
        module.zero_grad()
        torch.nn.functional.mse_loss(module(X), y).backward()
        with torch.no_grad():
            for p in module.parameters():
                p -= 0.1 * p.grad
    est = from_torch(module)
    rng = np.random.default_rng(0)
    assert gradcheck(
        est.network_, rng.standard_normal((3, 8)), rng.standard_normal((1, 8))
    ).passed()
    save_model(tmp_path / "m.npz", est)
    assert (
        rel_error(
            load_model(tmp_path / "m.npz")[0].predict(X.numpy()), run_torch(module, X.numpy())[:, 0]
        )
        <= 1e-12
    )
    assert main(["gradcheck", str(tmp_path / "m.npz")]) == 0
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (
            nn.Sequential(nn.Linear(3, 4), nn.Dropout(), nn.Linear(4, 1)),
            r"layer 1 \(Dropout\) is not supported",
        ),
        (
            nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)),
            "one hidden activation; this module has layer 1 ReLU, layer 3 Tanh",
        ),
        (nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()), "activation after the last Linear"),
        (nn.Sequential(nn.ReLU(), nn.Linear(3, 1)), "activation before the first Linear"),
        (
            nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1)),
            r"LeakyReLU\(negative_slope=0.2\); deltaprop's leaky_relu has negative_slope=0.01",
        ),
        (nn.Sequential(nn.Linear(3, 4), nn.ELU(0.5), nn.Linear(4, 1)), r"ELU\(alpha=0.5\)"),
        (nn.Sequential(nn.Linear(3, 4), nn.Softplus(beta=2), nn.Linear(4, 1)), r"Softplus\(beta=2"),
        (
            nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 1)),
            "takes 5 inputs but the previous Linear gives 4",
        ),
        (nn.Sequential(nn.Tanh()), "no Linear layer"),
        (nn.Linear(3, 1), "takes an nn.Sequential .* got Linear"),
        (nn.Sequential(nn.Linear(3, 1)).half(), "dtype=float16 is not supported"),
    ],
)
def test_from_torch_refuses_in_one_line(module, message):
    with pytest.raises(ConfigError, match=message) as err:
        from_torch(module)
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------- deltaprop export --to torch


def test_cli_export_writes_state_dict_and_architecture(tmp_path, capsys):
    est = random_estimator("elu", sizes=(3, 5, 2))
    save_model(tmp_path / "m.npz", est, target_names=["u", "v"])
    assert (
        main(["export", str(tmp_path / "m.npz"), "--to", "torch", "-o", str(tmp_path / "net.pt")])
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "net.json", "net.pt"]
    spec = json.loads((tmp_path / "net.json").read_text())
    assert [layer["type"] for layer in spec["layers"]] == ["Linear", "ELU", "Linear"]
    assert spec["target_names"] == ["u", "v"]
    state = torch.load(tmp_path / "net.pt", weights_only=True)  # tensors only, no code
    assert sorted(state) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    X = random_X(est)
    assert rel_error(run_torch(load_torch(tmp_path / "net.pt"), X), est.predict(X)) <= 1e-12


def test_cli_export_torch_refuses_a_json_output(tmp_path, capsys):
    save_model(tmp_path / "m.npz", random_estimator("relu"))
    assert (
        main(["export", str(tmp_path / "m.npz"), "--to", "torch", "-o", str(tmp_path / "a.json")])
        == 2
    )
    assert "ends in .json, the name of the architecture file; use .pt" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_load_torch_refuses_an_unknown_layer_type(tmp_path):
    save_model(tmp_path / "m.npz", random_estimator("relu"))
    main(["export", str(tmp_path / "m.npz"), "--to", "torch"])
    spec = json.loads((tmp_path / "m.json").read_text())
    spec["layers"][1]["type"] = "Upsample"
    (tmp_path / "m.json").write_text(json.dumps(spec))
    with pytest.raises(ModelFileError, match="layer type 'Upsample' is not supported"):
        load_torch(tmp_path / "m.pt")


def test_load_torch_refuses_a_corrupted_state_dict(tmp_path):
    save_model(tmp_path / "m.npz", random_estimator("relu"))
    main(["export", str(tmp_path / "m.npz"), "--to", "torch"])
    (tmp_path / "m.pt").write_bytes(b"not a state dict")
    with pytest.raises(ModelFileError, match="cannot load PyTorch model .*m.pt") as err:
        load_torch(tmp_path / "m.pt")
    assert "\n" not in str(err.value)
