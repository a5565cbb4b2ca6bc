import ast
from pathlib import Path

from api.registry import ACTIONS, find_action


def test_registry_every_handler_resolves_to_a_function():
    for action in ACTIONS.values():
        assert callable(action.handler), action.name


def test_registry_find_action_ignores_letter_case():
    assert find_action("getclients") is ACTIONS["GetClients"]
    assert find_action("NoSuchAction") is None


def test_registry_is_a_leaf_module():
    """The credential services import the registry; it must import nothing of api at load."""
    tree = ast.parse(Path(__file__).resolve().parents[1].joinpath("registry.py").read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith("api")]
