"""HFLocal on a tiny random-weight GPT-2 and a tokenizer trained here (nothing is downloaded)."""

import sys

import pytest

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

import torch  # noqa: E402

from kdgap_sim.llm import HFLocal, Prompt, default_labels, parse_answer, render  # noqa: E402
from kdgap_sim.llm.hf_local import has_chat_template, plain_prompt, prompt_text  # noqa: E402
from kdgap_sim.llm.policy import Turn, check_policy  # noqa: E402

EOS = "<|endoftext|>"
N_ARMS = 3
LABELS = default_labels(N_ARMS)
HISTORIES = [([], []), ([0, 1], [1.0, 0.0]), ([2], [0.5]), ([0, 1, 2, 0, 0], [1.0, 0.0, 1.0, 1.0, 0.0])]


def _messages(choices=(0, 1), rewards=(1.0, 0.0), prompt=Prompt()):
    return render(prompt, n_arms=N_ARMS, choices=list(choices), rewards=list(rewards))


def _corpus():
    """A few hundred lines: rendered bandit prompts and answer-like lines."""
    lines = []
    for template in ("rationale-then-action", "action-only"):
        for history in ("full", "summary"):
            for choices, rewards in HISTORIES:
                for message in _messages(choices, rewards, Prompt(template, history)):
                    lines.extend(message["content"].splitlines())
    for label in LABELS:
        for confidence in range(0, 101, 10):
            lines += [f"Recommendation: {label}", f"Confidence: {confidence}", f"Action: {label}",
                      f"Arm {label} has the best mean reward so far, so I pull it again."]
    lines += ["System:", "User:", "Assistant:"]
    return lines


@pytest.fixture(scope="module")
def tokenizer():
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE())
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=400, special_tokens=[EOS],
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(_corpus(), trainer=trainer)
    # No pad token: HFLocal pads with eos.
    return transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=EOS, bos_token=EOS)


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    config = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=len(tokenizer),
                                     n_positions=512, bos_token_id=tokenizer.eos_token_id,
                                     eos_token_id=tokenizer.eos_token_id)
    return transformers.GPT2LMHeadModel(config)


def _turns():
    return [Turn(_messages(c, r), episode=0, trial=i) for i, (c, r) in enumerate(HISTORIES)] * 2


def test_generate_yields_one_text_per_turn(model, tokenizer):
    policy = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, batch_size=3)
    check_policy(policy)
    assert policy.name == "tiny-gpt2"
    assert policy.settings == {"max_new_tokens": 8, "temperature": 0.0, "top_p": 1.0, "seed": 0}
    assert tokenizer.padding_side == "left" and tokenizer.pad_token == EOS
    turns = _turns()
    texts = policy.generate(turns)
    assert len(texts) == len(turns) and all(isinstance(t, str) for t in texts)
    assert any(texts) and all(EOS not in t for t in texts)
    assert policy.generate([]) == []
    parsed = [parse_answer(t, LABELS) for t in texts]  # never raises on text
    invalid = sum(p.invalid for p in parsed)
    assert 1 <= invalid <= len(texts)  # random weights: (nearly) all invalid


def test_greedy_is_deterministic_and_left_padding_is_right(model, tokenizer):
    policy = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, batch_size=4)
    turns = _turns()
    first = policy.generate(turns)
    assert policy.generate(turns) == first
    # Identical requests in one batch (padded to different prompts) get identical answers,
    # and a request alone (no padding) gets the same answer as in a padded batch.
    assert first[:4] == first[4:]
    shortest = min(range(len(HISTORIES)), key=lambda i: len(policy.prompts([turns[i]])[0]))
    alone = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, batch_size=1)
    assert alone.generate([turns[shortest]]) == [first[shortest]]


def test_sampling_with_a_seed_is_reproducible(model, tokenizer):
    turns = _turns()[:4]
    sampled = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, temperature=1.0,
                      top_p=0.9, seed=3)
    state = torch.random.get_rng_state()
    texts = sampled.generate(turns)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is left alone
    assert sampled.generate(turns) == texts
    assert sampled.settings == {"max_new_tokens": 8, "temperature": 1.0, "top_p": 0.9, "seed": 3}
    other = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, temperature=1.0,
                    top_p=0.9, seed=4)
    assert other.generate(turns) != texts
    assert other.settings != sampled.settings


def test_plain_rendering_without_chat_template(tokenizer):
    messages = _messages()
    assert not has_chat_template(tokenizer)
    text = plain_prompt(messages)
    assert text == (f"System: {messages[0]['content']}\nUser: {messages[1]['content']}\nAssistant:")
    assert prompt_text(messages, tokenizer) == text
    with pytest.raises(TypeError, match="role"):
        plain_prompt([{"text": "hi"}])


def test_chat_template_is_used_when_present(tokenizer):
    templated = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer.backend_tokenizer,
                                                     eos_token=EOS)
    templated.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
                               "{% if add_generation_prompt %}<assistant>{% endif %}")
    messages = _messages()
    assert has_chat_template(templated)
    assert prompt_text(messages, templated) == (
        f"<system>{messages[0]['content']}\n<user>{messages[1]['content']}\n<assistant>")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_new_tokens": 0}, ValueError, "max_new_tokens"),
    ({"max_new_tokens": 2.5}, TypeError, "max_new_tokens"),
    ({"max_new_tokens": True}, TypeError, "max_new_tokens"),
    ({"temperature": -0.1}, ValueError, "temperature"),
    ({"temperature": float("inf")}, ValueError, "temperature"),
    ({"temperature": float("nan")}, ValueError, "temperature"),
    ({"temperature": "hot"}, TypeError, "temperature"),
    ({"top_p": 0.0}, ValueError, "top_p"),
    ({"top_p": 1.5}, ValueError, "top_p"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 1.0}, TypeError, "batch_size"),
    ({"seed": -1}, ValueError, "seed"),
    ({"name": ""}, TypeError, "name"),
])
def test_bad_arguments_raise_clear_errors(model, tokenizer, kwargs, error, match):
    with pytest.raises(error, match=match):
        HFLocal(model, tokenizer, **{"name": "tiny-gpt2", **kwargs})


def test_prebuilt_model_needs_name_and_tokenizer(model, tokenizer):
    with pytest.raises(TypeError, match="name"):
        HFLocal(model, tokenizer)
    with pytest.raises(TypeError, match="tokenizer"):
        HFLocal(model, name="tiny-gpt2")
    with pytest.raises(TypeError, match="model"):
        HFLocal(object(), tokenizer, name="x")


def test_missing_dependency_says_how_to_install(model, tokenizer, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r'pip install "kdgap-sim\[llm\]"'):
        HFLocal(model, tokenizer, name="tiny-gpt2")


def test_load_by_path(model, tokenizer, tmp_path):
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    turns = _turns()[:4]
    loaded = HFLocal(str(tmp_path), max_new_tokens=8)
    assert loaded.name == str(tmp_path)
    assert HFLocal(tmp_path, name="tiny", max_new_tokens=8).name == "tiny"
    built = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8)
    assert loaded.generate(turns) == built.generate(turns)


def test_run_through_the_harness_reports_invalid_answers(model, tokenizer):
    import jax

    import kdgap_sim as kd

    env = kd.envs.make("bernoulli-bandit", n_arms=len(LABELS))
    policy = HFLocal(model, tokenizer, name="tiny-gpt2", max_new_tokens=8, batch_size=4)
    log = kd.llm.run(jax.random.key(0), env, env.default_params(), policy, n_episodes=2, n_steps=3,
                     labels=LABELS, on_invalid="random")
    assert log.choice.shape == (2, 3)
    table = kd.llm.report(log)
    assert table.loc["invalid", "mean"] == pytest.approx(log.invalid.mean())
    assert log.invalid.mean() > 0.5  # random weights: (nearly) every answer unparsable
