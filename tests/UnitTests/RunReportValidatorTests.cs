using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Runner.Reports;

namespace ConnectorHealth.UnitTests;

/// <summary>
/// The door of <c>POST /api/runs</c>, field by field: each hostile value is refused by the JSON reader or by the
/// validator, and the refusal names the field. The reports are read with the runner's own JSON settings.
/// </summary>
public class RunReportValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new OffsetTimestampConverter() },
        AllowDuplicateProperties = false,
    };

    private static JsonObject ValidReport() => JsonNode.Parse(
        """
        {
          "runId": "0194f3b2-6a4e-7c1d-9a53-2f1e0c8b7a61",
          "connector": "nightly_export",
          "status": "failed",
          "startedAt": "2026-03-01T11:57:00Z",
          "finishedAt": "2026-03-01T12:00:00+00:00",
          "latencyMs": 180000,
          "attempts": [
            { "number": 1, "startedAt": "2026-03-01T11:57:00Z", "durationMs": 60000, "outcome": "timed_out", "errorType": "TimeoutError", "errorMessage": "no answer" },
            { "number": 2, "startedAt": "2026-03-01T11:58:30Z", "durationMs": 50000, "outcome": "rate_limited", "httpStatus": 429 }
          ],
          "rateLimited": true,
          "errorType": "RateLimitError",
          "errorMessage": "slow down",
          "payload": { "id": 7, "name": "x", "tags": ["a", "b"], "nested": { "ok": true, "n": null } },
          "expectedInterval": "01:00:00"
        }
        """)!.AsObject();

    /// <summary>The fields a report is refused for: the JSON reader's path, or the validator's keys.</summary>
    private static (string[] Fields, bool TooLarge) Refusal(string json)
    {
        RunReport report;
        try
        {
            report = JsonSerializer.Deserialize<RunReport>(json, Json)!;
        }
        catch (JsonException ex)
        {
            var path = ex.Path is null or "$" ? "" : ex.Path.TrimStart('$').TrimStart('.');
            return ([path.Length > 0 ? path : ex.Message], false);
        }
        var problems = RunReportValidator.Validate(report, Now, new ReportLimits(), new PayloadLimits());
        return (problems.Errors.Keys.Order(StringComparer.Ordinal).ToArray(), problems.TooLarge);
    }

    /// <summary>The valid report with the value at <paramref name="path"/> replaced by raw JSON (which may hold invalid text).</summary>
    private static string With(string path, string rawJson)
    {
        const string placeholder = "\"__value__\"";
        return With(path, JsonValue.Create("__value__")).Replace(placeholder, rawJson, StringComparison.Ordinal);
    }

    private static string With(string path, JsonNode? value)
    {
        var report = ValidReport();
        JsonNode target = report;
        var parts = path.Split('.');
        foreach (var part in parts[..^1])
        {
            target = part.EndsWith(']')
                ? target[part[..part.IndexOf('[')]]![int.Parse(part[(part.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!
                : target[part]!;
        }
        target[parts[^1]] = value;
        return report.ToJsonString();
    }

    private static string Deep(int levels)
    {
        JsonNode node = JsonValue.Create(1);
        for (var i = 0; i < levels; i++)
        {
            node = new JsonObject { ["d"] = node };
        }
        return node.ToJsonString();
    }

    [Fact]
    public void AValidReportPasses() => Assert.Empty(Refusal(ValidReport().ToJsonString()).Fields);

    [Fact]
    public void AnEmptyReportNamesEveryRequiredField() =>
        Assert.Equal(["connector", "finishedAt", "runId", "startedAt", "status"], Refusal("{}").Fields);

    public static TheoryData<string, string, string> HostileFields => new()
    {
        // field, value as JSON, the field the refusal must name
        { "runId", "null", "runId" },
        { "runId", "\"00000000-0000-0000-0000-000000000000\"", "runId" },
        { "runId", "\"not-a-uuid\"", "runId" },
        { "runId", "42", "runId" },
        { "connector", "\"\"", "connector" },
        { "connector", "\"Has Spaces\"", "connector" },
        { "connector", "\"..\"", "connector" },
        { "connector", "\".\"", "connector" },
        { "connector", "\"-leading-dash\"", "connector" },
        { "connector", "\"a/b\"", "connector" },
        { "connector", "\"nul\\u0000\"", "connector" },
        { "connector", "\"caf\\u00e9\"", "connector" },
        { "connector", JsonSerializer.Serialize(new string('a', 101)), "connector" },
        { "connector", "[\"x\"]", "connector" },
        // .NET's $ also matches before a final newline: a name pattern must match the whole value.
        { "connector", "\"good_api\\n\"", "connector" },
        { "startedAt", "\"2026-03-01T11:57:00Z\\n\"", "startedAt" },
        { "status", "\"exploded\"", "status" },
        { "status", "\"1\"", "status" },
        { "status", "\"\"", "status" },
        { "status", "true", "status" },
        { "startedAt", "\"2026-03-01T11:57:00\"", "startedAt" },
        { "startedAt", "\"2026-03-01\"", "startedAt" },
        { "startedAt", "\"yesterday\"", "startedAt" },
        { "startedAt", "\"0001-01-01T00:00:00+14:00\"", "startedAt" },
        { "startedAt", "\"9999-12-31T23:59:59-14:00\"", "startedAt" },
        { "startedAt", "\"2025-11-01T00:00:00Z\"", "startedAt" },
        { "startedAt", "1772366220", "startedAt" },
        { "finishedAt", "\"2026-03-01T11:00:00Z\"", "finishedAt" },
        { "finishedAt", "\"2026-03-01T13:00:00Z\"", "finishedAt" },
        { "finishedAt", "null", "finishedAt" },
        { "latencyMs", "-1", "latencyMs" },
        { "latencyMs", "1e300", "latencyMs" },
        { "latencyMs", "181500.5", "latencyMs" },
        { "latencyMs", "1e309", "latencyMs" },
        { "latencyMs", "\"NaN\"", "latencyMs" },
        { "latencyMs", "\"Infinity\"", "latencyMs" },
        { "errorType", JsonSerializer.Serialize(new string('E', 201)), "errorType" },
        { "errorType", "\"Bad\\u0000Type\"", "errorType" },
        { "errorMessage", JsonSerializer.Serialize(new string('m', 4001)), "errorMessage" },
        { "errorMessage", "\"lone \\ud800 surrogate\"", "errorMessage" },
        { "errorMessage", "\"lone \\udc00 low surrogate\"", "errorMessage" },
        { "expectedInterval", "\"00:00:00\"", "expectedInterval" },
        { "expectedInterval", "\"-01:00:00\"", "expectedInterval" },
        { "expectedInterval", "\"400.00:00:00\"", "expectedInterval" },
        { "expectedInterval", "\"PT1H\"", "expectedInterval" },
        { "rateLimited", "\"yes\"", "rateLimited" },
        { "attempts", "\"many\"", "attempts" },
        { "attempts", "[null]", "attempts[0]" },
        { "attempts[0].number", "2", "attempts[0].number" },
        { "attempts[0].number", "1.5", "attempts[0].number" },
        { "attempts[0].startedAt", "\"2026-02-01T00:00:00Z\"", "attempts[0].startedAt" },
        { "attempts[0].startedAt", "\"2026-03-01T11:57:00\"", "attempts[0].startedAt" },
        { "attempts[0].durationMs", "-1", "attempts[0].durationMs" },
        { "attempts[0].durationMs", "1e12", "attempts[0].durationMs" },
        { "attempts[0].durationMs", "\"NaN\"", "attempts[0].durationMs" },
        { "attempts[0].outcome", "\"sideways\"", "attempts[0].outcome" },
        { "attempts[0].outcome", "null", "attempts[0].outcome" },
        { "attempts[0].httpStatus", "700", "attempts[0].httpStatus" },
        { "attempts[0].httpStatus", "99", "attempts[0].httpStatus" },
        { "attempts[0].errorMessage", JsonSerializer.Serialize(new string('m', 4001)), "attempts[0].errorMessage" },
        { "attempts[0].errorType", "\"x\\u0000\"", "attempts[0].errorType" },
        { "attempts[0].surprise", "1", "attempts[0].surprise" },
        { "surprise", "1", "surprise" },
    };

    [Theory]
    [MemberData(nameof(HostileFields))]
    public void AHostileValueIsRefusedNamingItsField(string field, string json, string named)
    {
        var (fields, _) = Refusal(With(field, json));

        Assert.Contains(fields, f => f == named || f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void MoreAttemptsThanTheLimitAreRefused()
    {
        var attempts = new JsonArray(Enumerable.Range(1, 101).Select(n => (JsonNode)new JsonObject
        {
            ["number"] = n, ["startedAt"] = "2026-03-01T11:58:00Z", ["durationMs"] = 1, ["outcome"] = "failed",
        }).ToArray());

        Assert.Equal(["attempts"], Refusal(With("attempts", attempts)).Fields);
    }

    public static TheoryData<string, string> HostilePayloads => new()
    {
        // payload JSON, the path the refusal names
        { Deep(33), "payload" },
        { "{\"a\":" + Deep(40) + "}", "payload.a" },
        { "{" + string.Join(",", Enumerable.Range(0, 10_001).Select(i => $"\"k{i}\":0")) + "}", "payload.k10000" },
        { "{\"s\":" + JsonSerializer.Serialize(new string('x', 32_769)) + "}", "payload.s" },
        { "{\"s\":\"a\\u0000b\"}", "payload.s" },
        { "{\"a\\u0000\":1}", "payload" },
        { "{\"s\":\"\\ud83d\"}", "payload.s" },
        { "{\"\\udc00\":1}", "payload" },
        { "[1, 2, {\"n\": 1e400}]", "payload[2].n" },
        { "{\"n\": -1e999}", "payload.n" },
        { "{\"we.ird\": {\"x\": \"\\u0000\"}}", "payload[\"we.ird\"].x" },
    };

    [Theory]
    [MemberData(nameof(HostilePayloads))]
    public void AHostilePayloadIsRefusedNamingWhereItBreaksALimit(string payload, string path)
    {
        var (fields, tooLarge) = Refusal(With("payload", payload));

        Assert.Contains(fields, f => f.StartsWith(path, StringComparison.Ordinal));
        Assert.False(tooLarge);
    }

    [Fact]
    public void APayloadOverTheByteLimitIsTooLarge()
    {
        var payload = new JsonArray(Enumerable.Range(0, 2_000).Select(i => (JsonNode)JsonValue.Create(new string('p', 600))).ToArray());

        var (fields, tooLarge) = Refusal(With("payload", payload));

        Assert.True(tooLarge);
        Assert.Equal(["payload"], fields);
    }

    [Fact]
    public void APayloadJustWithinEveryLimitPasses()
    {
        var payload = JsonNode.Parse("{\"a\":" + Deep(31) + ", \"emoji\": \"\\ud83d\\ude00\", \"big\": 1.7e308, \"s\": "
            + JsonSerializer.Serialize(new string('x', 32_768)) + "}", documentOptions: new JsonDocumentOptions { MaxDepth = 128 });

        Assert.Empty(Refusal(With("payload", payload)).Fields);
    }

    [Fact]
    public void DuplicateKeysInTheReportAreRefused()
    {
        var json = ValidReport().ToJsonString().Replace("\"status\":\"failed\"", "\"status\":\"failed\",\"status\":\"succeeded\"", StringComparison.Ordinal);

        Assert.NotEmpty(Refusal(json).Fields);
    }

    [Theory]
    [InlineData("owner", "\"team-billing\"", null)]
    [InlineData("owner", "\"dana@example.com\"", null)]
    [InlineData("owner", "\"\"", "owner")]
    [InlineData("owner", "\"   \"", "owner")]
    [InlineData("owner", "\"a\\u0000b\"", "owner")]
    [InlineData("tags", "[\"pii\", \"tier:1\", \"team/billing\"]", null)]
    [InlineData("tags", "[]", null)]
    [InlineData("tags", "[\"PII\"]", "tags")]
    [InlineData("tags", "[\"pii\", \"pii\"]", "tags")]
    [InlineData("tags", "[null]", "tags")]
    [InlineData("tags", "[\"-leading\"]", "tags")]
    public void OwnersAndTagsFollowTheRunsOwnRules(string field, string rawJson, string? refused)
    {
        var (fields, _) = Refusal(With(field, rawJson));

        Assert.Equal(refused is null ? [] : [refused], fields);
    }

    [Fact]
    public void MoreTagsThanARunCarriesAreRefused()
    {
        var tags = new JsonArray([.. Enumerable.Range(0, RunDefinition.MaxTags + 1).Select(i => (JsonNode)JsonValue.Create($"t{i}"))]);

        Assert.Equal(["tags"], Refusal(With("tags", tags)).Fields);
        Assert.Empty(Refusal(With("tags", new JsonArray([.. Enumerable.Range(0, RunDefinition.MaxTags).Select(i => (JsonNode)JsonValue.Create($"t{i}"))]))).Fields);
    }
}
