"""ruby3.x functions, run by the machine's Ruby through the Runtime API client cloudtwin ships:
the handler forms AWS's Ruby runtime accepts, its context object, warm globals, and errors in
AWS's Ruby shape."""

from __future__ import annotations

import shutil

import pytest
from lambda_helpers import invoke_json

pytestmark = pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby on PATH")

SOURCE = """
require 'json'
$count = 0

def handler(event:, context:)
  $count += 1
  raise ArgumentError, "bad #{event['fail']}" if event['fail']
  nil.no_such_method if event['crash']
  puts "ruby got #{event.to_json}"
  {
    'count' => $count, 'event' => event,
    'request_id' => context.aws_request_id, 'function_name' => context.function_name,
    'version' => context.function_version, 'memory' => context.memory_limit_in_mb,
    'arn' => context.invoked_function_arn, 'group' => context.log_group_name,
    'remaining' => context.get_remaining_time_in_millis,
  }
end
"""

CLASS_SOURCE = """
module Shop
  class Orders
    def self.count(event:, context:)
      event['items'].size
    end
  end
end
"""


def test_ruby_function_runs_warm_with_its_context(lam, deploy):
    created = deploy("rubied", {"function.rb": SOURCE}, handler="function.handler", runtime="ruby3.3",
                     Timeout=30)  # fmt: skip
    response, first = invoke_json(lam, "rubied", {"a": 1})
    assert "FunctionError" not in response, first
    assert first["count"] == 1 and first["event"] == {"a": 1}
    assert first["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert first["function_name"] == "rubied" and first["version"] == "$LATEST"
    assert first["memory"] == "128" and first["arn"] == created["FunctionArn"]
    assert first["group"] == "/aws/lambda/rubied"
    assert 0 < first["remaining"] <= 30_000
    assert invoke_json(lam, "rubied", {})[1]["count"] == 2  # the same process: init ran once


def test_ruby_handler_in_a_module_class(lam, deploy):
    deploy("ruby-class", {"lib/orders.rb": CLASS_SOURCE}, handler="lib/orders.Shop::Orders.count",
           runtime="ruby3.2")  # fmt: skip
    assert invoke_json(lam, "ruby-class", {"items": [1, 2, 3]})[1] == 3


def test_ruby_errors_in_aws_shape(lam, deploy):
    deploy("ruby-fails", {"function.rb": SOURCE}, handler="function.handler", runtime="ruby3.4")
    response, error = invoke_json(lam, "ruby-fails", {"fail": "input"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Function<ArgumentError>" and error["errorMessage"] == "bad input"
    assert error["stackTrace"][0].startswith("/var/task/function.rb:7:in ")
    assert all("ruby_runtime" not in line for line in error["stackTrace"])
    assert invoke_json(lam, "ruby-fails", {})[1]["count"] == 2  # a StandardError keeps it warm
    response, error = invoke_json(lam, "ruby-fails", {"crash": True})
    assert response.get("FunctionError") == "Unhandled", error
    assert error["errorType"] == "Function<NoMethodError>"
    assert error["errorMessage"].startswith("undefined method `no_such_method' for nil")
    # AWS's runtime exits after a NoMethodError / NameError: the next event starts cold
    restarted = invoke_json(lam, "ruby-fails", {})[1]
    assert restarted["count"] == 1, restarted


def test_ruby_init_errors(lam, deploy):
    deploy("ruby-missing", {"function.rb": SOURCE}, handler="nothere.handler", runtime="ruby3.3")
    response, error = invoke_json(lam, "ruby-missing")
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Init<LoadError>"
    assert "cannot load such file -- nothere" in error["errorMessage"]
    deploy("ruby-bad-name", {"function.rb": SOURCE}, handler="handler", runtime="ruby3.3")
    error = invoke_json(lam, "ruby-bad-name")[1]
    assert error["errorType"] == "Init<ArgumentError>"
    assert error["errorMessage"].startswith('Invalid handler ["handler"], must be of form FILENAME.METHOD')
