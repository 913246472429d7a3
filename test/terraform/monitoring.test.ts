import { describe, expect, it } from "vitest";
import { block, blocks, resource, resourcesOfType, terraform, variable } from "./terraform-config";
import type { HclObject } from "./terraform-config";

const TOPIC = "${aws_sns_topic.alarms.arn}";

/** The alarm's actions, resolved through local.alarm_actions. */
async function actionsOf(alarm: HclObject): Promise<unknown[]> {
  const cfg = await terraform();
  expect(alarm.alarm_actions).toBe("${local.alarm_actions}");
  expect(alarm.ok_actions).toBe("${local.alarm_actions}");
  return cfg.locals.get("alarm_actions") as unknown[];
}

describe("alarms", () => {
  it("has exactly the three alarms: function errors, function throttles, HTTP API 5xx rate", async () => {
    const cfg = await terraform();
    expect(
      resourcesOfType(cfg, "aws_cloudwatch_metric_alarm")
        .map(([a]) => a)
        .sort(),
    ).toEqual(["aws_cloudwatch_metric_alarm.api_5xx_rate", "aws_cloudwatch_metric_alarm.lambda"]);
    const perFunction = (await terraform()).locals.get("lambda_alarms") as Record<
      string,
      { metric: string }
    >;
    expect(Object.values(perFunction).map((x) => x.metric)).toEqual(["Errors", "Throttles"]);
  });

  it("function alarms: any Errors or Throttles of this function in 5 minutes notifies the topic, and so does recovery", async () => {
    const a = resource(await terraform(), "aws_cloudwatch_metric_alarm.lambda");
    expect(a.for_each).toBe("${local.lambda_alarms}");
    expect(a).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "${each.value.metric}",
      dimensions: { FunctionName: "${aws_lambda_function.api.function_name}" },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      // No traffic is not a failure.
      treat_missing_data: "notBreaching",
    });
    expect(await actionsOf(a)).toEqual([TOPIC]);
  });

  it("api_5xx_rate: 5xx answers as a share of all answers of this HTTP API, above var.alarm_5xx_rate_percent", async () => {
    const cfg = await terraform();
    const a = resource(cfg, "aws_cloudwatch_metric_alarm.api_5xx_rate");
    expect(a.comparison_operator).toBe("GreaterThanThreshold");
    expect(a.threshold).toBe("${var.alarm_5xx_rate_percent}");
    expect(variable(cfg, "alarm_5xx_rate_percent").default).toBe(5);
    expect(a.treat_missing_data).toBe("notBreaching");
    expect(await actionsOf(a)).toEqual([TOPIC]);
    const queries = new Map(blocks(a, "metric_query").map((q) => [q.id, q]));
    expect([...queries.keys()].sort()).toEqual(["errors", "rate", "requests"]);
    const rate = queries.get("rate") ?? {};
    expect(rate.return_data).toBe(true);
    expect(rate.expression).toBe(
      "IF(requests >= ${local.alarm_min_requests}, 100 * FILL(errors, 0) / requests, 0)",
    );
    for (const [id, metricName] of [
      ["errors", "5xx"],
      ["requests", "Count"],
    ] as const) {
      const m = block(queries.get(id) ?? {}, "metric");
      expect(m, id).toEqual({
        namespace: "AWS/ApiGateway",
        // HTTP APIs publish "5xx" and "Count" (REST APIs name theirs 5XXError).
        metric_name: metricName,
        dimensions: { ApiId: "${aws_apigatewayv2_api.http.id}" },
        stat: "Sum",
        period: 300,
      });
      expect(queries.get(id)?.return_data, id).toBeUndefined();
    }
  });

  it("the rate expression means what it says (evaluated like CloudWatch's metric math)", async () => {
    const a = resource(await terraform(), "aws_cloudwatch_metric_alarm.api_5xx_rate");
    const rate = blocks(a, "metric_query").find((q) => q.id === "rate")?.expression;
    const minRequests = Number((await terraform()).locals.get("alarm_min_requests"));
    expect(minRequests).toBe(10);
    // A direct translation of the expression's three functions and operators.
    const js = String(rate)
      .replace("${local.alarm_min_requests}", String(minRequests))
      .replace(/^IF\((.*?), (.*), 0\)$/, "($1) ? ($2) : 0")
      .replace("FILL(errors, 0)", "(errors ?? 0)");
    const evaluate = new Function("errors", "requests", `return ${js};`) as (
      e: number | undefined,
      r: number,
    ) => number;
    expect(evaluate(1, 10)).toBe(10);
    expect(evaluate(1, 2)).toBe(0); // too few requests to judge
    expect(evaluate(undefined, 50)).toBe(0);
    expect(evaluate(5, 50)).toBe(10);
  });
});

describe("alarm notifications", () => {
  it("go to one SNS topic; var.alarm_email subscribes an address only when set", async () => {
    const cfg = await terraform();
    expect(resource(cfg, "aws_sns_topic.alarms").name).toBe("${local.name}-alarms");
    const sub = resource(cfg, "aws_sns_topic_subscription.alarm_email");
    expect(sub).toMatchObject({
      count: '${var.alarm_email == "" ? 0 : 1}',
      topic_arn: TOPIC,
      protocol: "email",
      endpoint: "${var.alarm_email}",
    });
    expect(variable(cfg, "alarm_email").default).toBe("");
  });

  it("the topic is not encrypted with aws/sns (CloudWatch cannot publish to it then)", async () => {
    const topic = resource(await terraform(), "aws_sns_topic.alarms");
    expect(topic.kms_master_key_id).toBeUndefined();
  });
});
