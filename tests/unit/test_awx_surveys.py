"""docs/awx/*.survey.json are survey specs AWX accepts as they are (issue 22 item 4): the body of
POST /api/v2/job_templates/N/survey_spec/ and awx.awx.job_template's survey_spec, checked with
the rules of AWX's own validation (awx/api/views JobTemplateSurveySpec._validate_spec_data), and
no doc tells anyone to "paste" them any more."""

import glob
import json
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

AWX = os.path.join(ROOT, "docs", "awx")
SURVEYS = sorted(glob.glob(os.path.join(AWX, "*.survey.json")))
# AWX's SURVEY_TYPE_MAPPING: the question types and the Python type of their default
TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
         "integer": int, "float": (float, int)}


def awx_survey_errors(spec):
    """What AWX's survey spec validation refuses in `spec` (an empty list: AWX accepts it)."""
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append("'%s' missing or not a %s" % (field, kind.__name__))
    if errors:
        return errors
    if not spec["spec"]:
        return ["'spec' doesn't contain any items"]
    seen = set()
    for idx, item in enumerate(spec["spec"]):
        if not isinstance(item, dict):
            errors.append("question %d is not a json object" % idx)
            continue
        for field in ("type", "question_name", "variable", "required"):
            kind = bool if field == "required" else str
            if not isinstance(item.get(field), kind):
                errors.append("question %d: '%s' missing or not a %s" % (idx, field, kind.__name__))
        if errors:
            continue
        if item["variable"] in seen:
            errors.append("question %d: variable %s duplicated" % (idx, item["variable"]))
        seen.add(item["variable"])
        qtype = item["type"]
        if qtype not in TYPES:
            errors.append("question %d: type %s is not an AWX question type" % (idx, qtype))
            continue
        default = item.get("default", "")
        if default != "" and (not isinstance(default, TYPES[qtype]) or isinstance(default, bool)):
            errors.append("question %d: default %r is not a %s" % (idx, default, qtype))
        for key in ("min", "max"):
            if item.get(key) is not None and not isinstance(item[key], int):
                errors.append("question %d: %s limit is not an integer" % (idx, key))
        if qtype in ("multiplechoice", "multiselect"):
            if "choices" not in item:
                errors.append("question %d of type %s must specify choices" % (idx, qtype))
                continue
            choices = item["choices"]
            if isinstance(choices, str):
                choices = [c for c in choices.splitlines() if c.strip()]
            if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
                errors.append("question %d: choices are neither a list nor lines" % idx)
                continue
            if "default" in item:
                defaults = ([d for d in default.splitlines() if d.strip()]
                            if isinstance(default, str) else default)
                if qtype == "multiplechoice" and len(defaults) > 1:
                    errors.append("question %d: multiple choice can only have one default" % idx)
                if any(d not in choices for d in defaults):
                    errors.append("question %d: default must be one of the choices" % idx)
        if isinstance(default, str) and default.startswith("$encrypted$"):
            errors.append("question %d: $encrypted$ is reserved" % idx)
        if "text" in qtype or qtype == "password":
            low, high = item.get("min"), item.get("max")
            if isinstance(default, str) and default and high is not None and len(default) > high:
                errors.append("question %d: default longer than max" % idx)
            if isinstance(default, str) and default and low is not None and len(default) < low:
                errors.append("question %d: default shorter than min" % idx)
    return errors


def test_the_validator_refuses_what_awx_refuses():
    good = {"name": "n", "description": "d", "spec": [
        {"question_name": "q", "variable": "v", "type": "multiplechoice", "required": True,
         "choices": ["a", "b"], "default": "a"}]}
    assert awx_survey_errors(good) == []
    assert awx_survey_errors(dict(good, spec=[dict(good["spec"][0], choices="a\nb\n")])) == []
    for bad in ({"default": "c"}, {"required": "true"}, {"type": "boolean"}, {"choices": None},
                {"variable": None}):
        item = dict(good["spec"][0], **bad)
        item = dict((k, v) for k, v in item.items() if v is not None)
        assert awx_survey_errors(dict(good, spec=[item])), bad
    assert awx_survey_errors({"spec": good["spec"]})  # no name, no description: the old format
    assert awx_survey_errors(dict(good, spec=[dict(good["spec"][0], type="integer", default="5",
                                                   choices=[])]))


def test_there_are_surveys_for_every_workflow():
    names = set(os.path.basename(p)[:-len(".survey.json")] for p in SURVEYS)
    playbooks = set(os.path.basename(p)[:-len(".yml")]
                    for p in glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))
    assert names == playbooks


@pytest.mark.parametrize("path", SURVEYS, ids=os.path.basename)
def test_each_survey_is_a_survey_spec_awx_accepts(path):
    with open(path) as f:
        spec = json.load(f)
    assert awx_survey_errors(spec) == []
    # exactly the survey spec: AWX would keep any other top-level key as junk
    assert set(spec) == {"name", "description", "spec"}


def test_no_doc_says_to_paste_a_survey():
    # docs/docsite/rst is made from docs/*.md by `make build`
    paths = glob.glob(os.path.join(ROOT, "docs", "*.md")) + glob.glob(os.path.join(AWX, "*"))
    for path in paths + [os.path.join(ROOT, "README.md")]:
        if path.endswith((".md", ".rst", ".yml", ".json")):
            with open(path, encoding="utf-8") as f:
                text = " ".join(f.read().split()).lower()
            assert not re.search(r"paste[^.]{0,80}survey|survey[^.]{0,80}paste", text), path
