"""Lines the sources write that were not read as written (each a strict xfail of a corpus
once): the cases here, with their verdicts written before the checker read them, are siblings
of each corpus row, so that what is read is the form and not one line."""

import pytest

from deltaprop.derivation import check


@pytest.mark.parametrize(
    "equation, verdict",
    [
        ("z = np.dot(w, activation) + b", "correct"),  # a^(l−1): the loop's last activation
        ("z = np.dot(w.transpose(), activation) + b", "wrong"),
        ("z = np.dot(activation, w) + b", "wrong"),
        ("z = np.dot(w, activation)", "wrong"),  # without b
        ("z = np.dot(w, activations[-1]) + b", "wrong"),  # a^L, of the output
    ],
)
def test_network_pys_running_activation_is_the_layer_before_in_the_forward_loop(equation, verdict):
    """network.py's loop ``for b, w in zip(self.biases, self.weights)``: w is w^l, b is b^l,
    ``z = np.dot(w, activation) + b`` reads the activation of the layer before (a^(l−1)),
    which ``activation = sigmoid(z)`` then makes a^l."""
    result = check(equation, None, "sigmoid", notation="nielsen")
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "notation, line, verdict",
    [
        ("cs231n", "dscores = scores - y; dscores /= N", "correct"),
        ("cs231n", "dscores = scores - y; dscores *= N", "wrong"),
        ("cs231n", "dscores = scores - y; dscores /= N; dW2 = hidden.T.dot(dscores)", "correct"),
        ("dlai", "dZ2 = A2 - Y; dZ2 /= m", "wrong"),  # the course's dZ has no 1/m
        ("britz", "dW2 = np.dot(a1.T, delta3); dW2 += reg_lambda * W2", "correct"),
        ("britz", "dW2 = np.dot(a1.T, delta3); dW2 -= reg_lambda * W2", "wrong"),
    ],
)
def test_an_update_after_a_semicolon_applies_to_the_value_before_it(notation, line, verdict):
    """``dscores = scores - y; dscores /= N`` is dscores = (scores − y) / N: an update by
    ``+=``, ``-=``, ``*=`` or ``/=`` of a name assigned before it on the line."""
    result = check(line, (4, 5, 3), "relu", notation=notation)
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "notation, line, verdict",
    [
        ("dlai", "m = X.shape[1]; dW1 = np.dot(dZ1, X.T) / m", "correct"),
        ("dlai", "m = X.shape[1]; dW1 = np.dot(dZ1, X.T)", "wrong"),
        ("dlai", "m = Y.shape[1]; db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "correct"),
        ("dlai", "m = A1.shape[1]; dW2 = 1 / m * np.dot(dZ2, A1.T)", "correct"),
        ("cs231n", "N = X.shape[0]; dscores = (scores - y) / N", "correct"),
        ("cs231n", "N = X.shape[0]; dscores = (scores - y) * N", "wrong"),
    ],
)
def test_the_number_of_samples_named_before_a_semicolon_is_used_after_it(notation, line, verdict):
    """``m = X.shape[1]; dW1 = np.dot(dZ1, X.T) / m``: m, the number of samples, is given
    for the statement after it, not judged alone (it is no quantity of the network)."""
    result = check(line, (4, 5, 3), "tanh", notation=notation)
    assert result.verdict == verdict, result.to_text()


def test_a_number_of_samples_of_the_wrong_axis_is_never_accepted():
    line = "m = X.shape[0]; dW1 = np.dot(dZ1, X.T) / m"  # n_1, the width of the input
    assert check(line, (4, 5, 3), "tanh", notation="dlai").verdict != "correct"
