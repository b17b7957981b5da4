"""Spec strings and Spec objects: what they accept, and one clear line for what they refuse."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import optviz
from optviz import Spec, parse_spec


def test_a_spec_string_and_a_spec_object_are_the_same():
    assert parse_spec("adam:lr=0.05,b1=0.8") == Spec("adam", lr=0.05, b1=0.8)
    assert parse_spec(" adam : lr = 0.05 ") == Spec("adam", lr=0.05)
    assert parse_spec("sgd:batch=8").hparams == (("batch", 8),)
    assert str(Spec("adam", b1=0.8, lr=0.05)) == "adam:lr=0.05,b1=0.8"
    assert str(Spec("gd")) == "gd"


@given(
    lr=st.floats(1e-6, 10),
    b1=st.floats(0, 0.999),
    b2=st.floats(0, 0.9999),
    eps=st.floats(0, 1),
)
def test_str_reads_back(lr, b1, b2, eps):
    spec = Spec("adam", lr=lr, b1=b1, b2=b2, eps=eps)
    again = parse_spec(str(spec))
    assert again.name == "adam"
    for (key, value), (key2, value2) in zip(spec.hparams, again.hparams):
        assert key == key2 and value2 == pytest.approx(value, rel=1e-5)


BAD = [
    ("", "empty optimizer spec"),
    ("   ", "empty optimizer spec"),
    ("adm", "unknown optimizer 'adm'; did you mean 'adam'"),
    (
        "adam:beta=0.9",
        "unknown hyper-parameter 'beta' for adam; did you mean 'b1' or 'b2'|valid: lr, b1, b2, eps",
    ),
    ("adam:lr=", "adam: empty value for lr"),
    ("adam:lr=fast", "adam: lr must be a number, got 'fast'"),
    ("adam:lr", "adam: expected key=value, got 'lr'"),
    ("adam:lr=0.1,lr=0.2", "adam: lr is given twice"),
    ("adam:lr=0", "adam: lr must be > 0, got 0"),
    ("gd:lr=-1", "gd: lr must be > 0, got -1"),
    ("gd:lr=nan", "gd: lr must be finite"),
    ("gd:lr=inf", "gd: lr must be finite"),
    ("momentum:beta=1", r"momentum: beta must be in \[0, 1\), got 1"),
    ("momentum:beta=-0.1", r"momentum: beta must be in \[0, 1\)"),
    ("adam:b2=1.5", r"adam: b2 must be in \[0, 1\)"),
    ("rmsprop:rho=1", r"rmsprop: rho must be in \[0, 1\)"),
    ("adam:eps=-1e-8", "adam: eps must be >= 0"),
    ("sgd:batch=0", "sgd: batch must be a whole number >= 1, got 0"),
    ("sgd:batch=2.5", "sgd: batch must be a whole number >= 1"),
    ("sgd:noise=-1", "sgd: noise must be >= 0"),
    ("adam:foo=bar", "unknown hyper-parameter 'foo' for adam"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[t or "empty" for t, _ in BAD])
def test_bad_specs_raise_one_line(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_spec(text)
    assert "\n" not in str(info.value)


def test_unknown_optimizer_lists_the_choices():
    with pytest.raises(
        ValueError,
        match="choose from: gd, sgd, momentum, nesterov, "
        "nesterov-lookahead, adagrad, rmsprop, adam",
    ):
        parse_spec("lbfgs")


def test_spec_objects_are_checked_too():
    with pytest.raises(ValueError, match="adam: lr must be > 0"):
        Spec("adam", lr=0)
    with pytest.raises(ValueError, match="adam: lr must be a number, got '0.1'"):
        Spec("adam", lr="0.1")
    with pytest.raises(AttributeError):
        Spec("adam").name = "gd"


def test_specs_are_hashable_values():
    assert len({Spec("adam", lr=0.1), parse_spec("adam:lr=0.1"), Spec("adam")}) == 2
    assert optviz.Spec("adam", lr=0.1).replace(b1=0.5) == Spec("adam", lr=0.1, b1=0.5)
