using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit.Abstractions;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// Run reports drawn from the whole input space — every field, text from every Unicode plane at and past the length
/// limits, every offset and precision, numbers at and past each store's range, names at the length limit — sent through
/// the gateway to the running system. Each is refused with a 4xx naming a field, or accepted; an accepted run's
/// canonical form (the 202's <c>run</c>) is the input in UTC to the microsecond and otherwise unchanged, and metrics,
/// drift and alerting each read back exactly that. Never a 5xx, and nothing of these runs in an error queue.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class RunReportPropertyTests(ConnectorHealthApp system, ITestOutputHelper output)
{
    private const int Iterations = 300;
    private const int MaxErrorMessage = 4_000;
    private const int MaxErrorType = 200;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task EveryReportIsRefusedNamingAFieldOrStoredEverywhereExactlyAsItsCanonicalRun()
    {
        var accepted = new ConcurrentBag<Accepted>();
        var refused = 0;

        await ReportGen.SampleAsync(async report =>
        {
            using var content = new StringContent(report.Json, Encoding.UTF8, "application/json");
            using var response = await system.Gateway.PostAsync("/api/runs", content);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            Assert.True(status < 500, $"{status} for {report.Json}\n{body}");
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var run = JsonDocument.Parse(body).RootElement.GetProperty("run").Clone();
                AssertCanonical(report, run);
                accepted.Add(new Accepted(report, run));
                return;
            }
            Assert.True(status is >= 400 and < 500, $"{status} for {report.Json}\n{body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (status is 400 or 413)
            {
                var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
                Assert.True(errors.EnumerateObject().Any(), $"no field named for {report.Json}\n{body}");
            }
            Interlocked.Increment(ref refused);
        }, iter: Iterations, threads: 4, print: r => r.Json);

        output.WriteLine($"{accepted.Count} accepted, {refused} refused of {Iterations} reports");
        // Guards: the space was really explored on both sides.
        Assert.True(accepted.Count >= Iterations / 5, $"only {accepted.Count} of {Iterations} accepted");
        Assert.True(refused >= Iterations / 10, $"only {refused} of {Iterations} refused");

        foreach (var (report, run) in accepted)
        {
            var id = run.GetProperty("runId").GetString()!;
            var connector = run.GetProperty("connector").GetString()!;
            var metrics = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/runs/{id}");
            AssertSameRun(report, run, metrics, ["runId", "connector", "source", "status", "startedAt", "finishedAt", "latencyMs", "rateLimited",
                "errorType", "errorMessage", "payloadBytes", "expectedInterval"]);
            var attempts = run.GetProperty("attempts").EnumerateArray().ToList();
            var stored = metrics.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(Math.Max(attempts.Count, 1), stored.Count);
            for (var i = 0; i < attempts.Count; i++)
            {
                AssertSameRun(report, attempts[i], stored[i], ["number", "startedAt", "durationMs", "outcome", "httpStatus", "errorType", "errorMessage"]);
            }
            var drift = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/schemas/{connector}/runs/{id}");
            AssertSameRun(report, run, drift, ["runId", "connector", "finishedAt"]);
            var alerting = await GatewayCalls.UntilFoundAsync(system.Gateway, $"/api/alerting/runs/{id}");
            AssertSameRun(report, run, alerting, ["runId", "connector", "status", "finishedAt", "latencyMs", "rateLimited", "errorType", "errorMessage"]);
        }

        var ids = accepted.Select(a => a.Run.GetProperty("runId").GetString()).ToHashSet();
        foreach (var service in new[] { "metrics", "drift", "alerting" })
        {
            var letters = await system.Gateway.GetFromJsonAsync<JsonElement>($"/api/system/{service}/dead-letters?limit=500");
            Assert.DoesNotContain(letters.GetProperty("items").EnumerateArray(),
                letter => letter.TryGetProperty("runId", out var runId) && ids.Contains(runId.GetString()));
        }
    }

    /// <summary>The 202's run is the report in canonical form: what was sent, times in UTC to the microsecond.</summary>
    private static void AssertCanonical(Report report, JsonElement run)
    {
        string Why() => $"{report.Json}\n→ {run}";
        Assert.True(report.Connector == run.GetProperty("connector").GetString(), Why());
        Assert.True(report.Status == run.GetProperty("status").GetString(), Why());
        AssertTime(report.StartedAt, run.GetProperty("startedAt"), Why);
        AssertTime(report.FinishedAt, run.GetProperty("finishedAt"), Why);
        Assert.True(report.ErrorMessage == Text(run.GetProperty("errorMessage")), Why());
        Assert.True(report.ErrorType == Text(run.GetProperty("errorType")), Why());
        var latency = run.GetProperty("latencyMs").GetDouble();
        Assert.True(report.LatencyMs is null ? latency == (report.FinishedAt - report.StartedAt).TotalMilliseconds : latency == report.LatencyMs, Why());
        if (report.ExpectedInterval is { } interval)
        {
            var stored = TimeSpan.Parse(run.GetProperty("expectedInterval").GetString()!, CultureInfo.InvariantCulture);
            Assert.True(stored == TimeSpan.FromTicks(interval.Ticks - interval.Ticks % 10) && stored > TimeSpan.Zero, Why());
        }
        var attempts = run.GetProperty("attempts").EnumerateArray().ToList();
        if (report.Attempts is { Count: > 0 } sent)
        {
            Assert.True(sent.Count == attempts.Count, Why());
            for (var i = 0; i < sent.Count; i++)
            {
                Assert.True(sent[i].Outcome == attempts[i].GetProperty("outcome").GetString(), Why());
                AssertTime(sent[i].StartedAt, attempts[i].GetProperty("startedAt"), Why);
                Assert.True(sent[i].ErrorMessage == Text(attempts[i].GetProperty("errorMessage")), Why());
            }
        }
    }

    private static void AssertTime(DateTimeOffset sent, JsonElement value, Func<string> why)
    {
        var read = DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);
        var ticks = sent.UtcTicks - sent.UtcTicks % 10;
        Assert.True(read.UtcTicks == ticks && read.Offset == TimeSpan.Zero, why());
    }

    /// <summary>Each named member read back equals the 202's: same JSON value, times as the same UTC instant.</summary>
    private static void AssertSameRun(Report report, JsonElement expected, JsonElement actual, string[] members)
    {
        foreach (var member in members)
        {
            var want = expected.GetProperty(member);
            var got = actual.TryGetProperty(member, out var value) ? value : default;
            var same = want.ValueKind switch
            {
                JsonValueKind.String when TimeMembers.Contains(member) && DateTimeOffset.Parse(want.GetString()!, CultureInfo.InvariantCulture) is var at =>
                    got.ValueKind == JsonValueKind.String && DateTimeOffset.Parse(got.GetString()!, CultureInfo.InvariantCulture) is var g
                    && g.UtcTicks == at.UtcTicks && g.Offset == at.Offset,
                JsonValueKind.Number => got.ValueKind == JsonValueKind.Number && got.GetDouble() == want.GetDouble(),
                JsonValueKind.Null => got.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined,
                _ => got.ValueKind == want.ValueKind && got.GetRawText() == want.GetRawText()
                    || want.ValueKind == JsonValueKind.String && got.ValueKind == JsonValueKind.String && got.GetString() == want.GetString(),
            };
            Assert.True(same, $"{member}: accepted {want.GetRawText()}, read back {(got.ValueKind == JsonValueKind.Undefined ? "nothing" : got.GetRawText())}\nreport: {report.Json}");
        }
    }

    private static readonly HashSet<string> TimeMembers = ["startedAt", "finishedAt"];

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetString();

    private sealed record Accepted(Report Report, JsonElement Run);

    private sealed record SentAttempt(string Outcome, DateTimeOffset StartedAt, string? ErrorMessage);

    /// <summary>A report as sent (its JSON) with the values it carries, for the canonical-form oracle.</summary>
    private sealed record Report(
        string Json, string? Connector, string? Status, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double? LatencyMs,
        string? ErrorType, string? ErrorMessage, TimeSpan? ExpectedInterval, IReadOnlyList<SentAttempt>? Attempts);

    private static readonly string LongName = "prop_" + new string('x', 95);

    private static readonly Gen<string> Connector = Gen.Frequency(
        (24, Gen.OneOf("prop_a", "prop_b.c-d", "prop_9", LongName)),
        (1, Gen.OneOf(LongName + "y", "prop_a\n", "Prop_A", ".", "..", "", "prop a", "prop_é", "-prop", "prop/a", "prop_a\u0000")));

    private static readonly Gen<string> Status = Gen.Frequency(
        (24, Gen.OneOf("succeeded", "failed")),
        (1, Gen.OneOf("Succeeded", "succeeded, failed", "0", "", " failed", "failed\n", "success")));

    private static readonly Gen<string> Outcome = Gen.Frequency(
        (24, Gen.OneOf("succeeded", "failed", "rate_limited", "timed_out")),
        (1, Gen.OneOf("ratelimited", "rate_limited, failed", "RateLimited", "2", "timedout")));

    /// <summary>A code point from any plane (surrogates excluded: they only exist in pairs).</summary>
    private static readonly Gen<string> CodePoint = Gen.Frequency(
        (6, Gen.Int[0x20, 0x7E]),
        (3, Gen.Int[0xA0, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFD]),
        (3, Gen.Int[0x10000, 0x10FFFF]),
        (1, Gen.Int[0x1, 0x1F])).Select(char.ConvertFromUtf32);

    /// <summary>Text in UTF-16 units around <paramref name="limit"/>, made of any plane's characters, or hostile.</summary>
    private static Gen<string> TextAround(int limit) => Gen.Frequency(
        (12, CodePoint.Array[0, 12].Select(string.Concat)),
        (2, Gen.Int[-2, 1].Select(d => string.Concat(Enumerable.Repeat("😀", (limit + d) / 2)) + ((limit + d) % 2 == 1 ? "a" : ""))),
        (1, Gen.Int[-1, 1].Select(d => new string('e', limit + d))),
        (1, Gen.OneOf("\u0000", "a\u0000b")));

    /// <summary>A JSON number's text: ordinary values, and values at and past the stores' ranges.</summary>
    private static readonly Gen<string> PayloadNumber = Gen.Frequency(
        (12, Gen.Double[-1e6, 1e6].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (4, Gen.OneOf("0", "-0", "1e308", "-1.7976931348623157e308", "1e-16383", "123456789012345678901234567890", "0.1")),
        (1, Gen.OneOf("1e309", "1e-16384", "1e-20000", "1.0e-16383", "-1e400")));

    private static readonly Gen<string> PayloadValue = Gen.Frequency(
        (6, PayloadNumber),
        (4, TextAround(20).Select(Quote)),
        (2, Gen.OneOf("true", "null", "[]", "{}", "[1,2,3]")),
        (1, Gen.Const("\"\\ud800\"")));

    private static readonly Gen<string?> Payload = Gen.Frequency(
        (2, Gen.Const((string?)null)),
        (5, PayloadValue.Array[1, 5].Select(values =>
            (string?)("{" + string.Join(",", values.Select((v, i) => $"\"k{i}\":{v}")) + ",\"nested\":{\"n\":[" + values[0] + "]}}"))));

    /// <summary>An instant of the last 100 days (and some beyond), at 0 to 7 fractional digits, written with any offset.</summary>
    private static readonly Gen<(DateTimeOffset Instant, string Text)> Time =
        from secondsAgo in Gen.Frequency((20, Gen.Int[0, 90 * 86_400]), (1, Gen.Int[-600, 0]), (1, Gen.Int[90 * 86_400, 120 * 86_400]))
        from ticks in Gen.Int[0, 9_999_999]
        from digits in Gen.Int[0, 7]
        from offsetMinutes in Gen.Frequency((3, Gen.Const(0)), (4, Gen.Int[-14 * 60, 14 * 60]), (2, Gen.OneOf(60, -300, 330, 345, 840, -840)))
        select Write(Now.AddSeconds(-secondsAgo), ticks, digits, offsetMinutes);

    private static (DateTimeOffset, string) Write(DateTimeOffset whole, int ticks, int digits, int offsetMinutes)
    {
        var kept = ticks / (int)Math.Pow(10, 7 - digits) * (int)Math.Pow(10, 7 - digits);
        var instant = new DateTimeOffset(whole.UtcTicks - whole.UtcTicks % TimeSpan.TicksPerSecond + kept, TimeSpan.Zero);
        var local = instant.ToOffset(TimeSpan.FromMinutes(offsetMinutes));
        var fraction = digits == 0 ? "" : "." + kept.ToString("D7", CultureInfo.InvariantCulture)[..digits];
        var zone = offsetMinutes == 0 && digits % 2 == 0 ? "Z" : local.ToString("zzz", CultureInfo.InvariantCulture);
        return (instant, local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction + zone);
    }

    private static readonly Gen<(TimeSpan? Value, string? Text)> Interval = Gen.Frequency(
        (3, Gen.Const(((TimeSpan?)null, (string?)null))),
        (12, Gen.OneOf("00:15:00", "00:00:01", "366.00:00:00", "1.02:03:04.5678901", "00:00:05.0000009").Select(Parse)),
        (1, Gen.OneOf("00:00:00.0000001", "00:00:00.5", "367.00:00:00", "-00:01:00", "00:00:00").Select(Parse)));

    private static (TimeSpan?, string?) Parse(string text) => (TimeSpan.Parse(text, CultureInfo.InvariantCulture), text);

    private static readonly Gen<Report> ReportGen =
        from connector in Connector
        from status in Status
        from start in Time
        from durationMs in Gen.Frequency((20, Gen.Int[0, 3_600_000]), (1, Gen.Int[-60_000, -1]))
        from latency in Gen.Frequency((6, Gen.Const((string?)null)), (6, Gen.Double[0, 1].Select(f => (string?)(f * Math.Max(durationMs, 0)).ToString("R", CultureInfo.InvariantCulture))),
            (1, Gen.OneOf<string?>("-1", "1e400", "1e-20000", "0", "12.5e2")))
        from errorType in Gen.Frequency((3, Gen.Const((string?)null)), (1, TextAround(MaxErrorType).Select(t => (string?)t)))
        from errorMessage in Gen.Frequency((2, Gen.Const((string?)null)), (1, TextAround(MaxErrorMessage).Select(t => (string?)t)))
        from interval in Interval
        from payload in Payload
        from rateLimited in Gen.OneOf<bool?>(null, true, false)
        from attempts in Gen.Frequency((6, Gen.Const(0)), (4, Gen.Int[1, 4]), (1, Gen.OneOf(101)))
        from outcomes in Outcome.Array[attempts]
        from attemptTexts in TextAround(40).Array[attempts]
        from httpStatuses in Gen.Frequency((20, Gen.Int[100, 599]), (1, Gen.OneOf(0, 600, 99))).Array[attempts]
        select Build(connector, status, start, durationMs, latency, errorType, errorMessage, interval, payload, rateLimited, outcomes, attemptTexts, httpStatuses);

    private static Report Build(
        string connector, string status, (DateTimeOffset Instant, string Text) start, int durationMs, string? latency, string? errorType,
        string? errorMessage, (TimeSpan? Value, string? Text) interval, string? payload, bool? rateLimited, string[] outcomes, string[] attemptTexts,
        int[] httpStatuses)
    {
        var finished = start.Instant.AddMilliseconds(durationMs);
        var offset = DateTimeOffset.Parse(start.Text, CultureInfo.InvariantCulture).Offset;
        var finishedText = finished.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture);
        var members = new List<string>
        {
            $"\"runId\":\"{Guid.NewGuid()}\"",
            $"\"connector\":{Quote(connector)}",
            $"\"status\":{Quote(status)}",
            $"\"startedAt\":\"{start.Text}\"",
            $"\"finishedAt\":\"{finishedText}\"",
        };
        if (latency is not null) members.Add($"\"latencyMs\":{latency}");
        if (errorType is not null) members.Add($"\"errorType\":{Quote(errorType)}");
        if (errorMessage is not null) members.Add($"\"errorMessage\":{Quote(errorMessage)}");
        if (interval.Text is not null) members.Add($"\"expectedInterval\":\"{interval.Text}\"");
        if (payload is not null) members.Add($"\"payload\":{payload}");
        if (rateLimited is not null) members.Add($"\"rateLimited\":{(rateLimited.Value ? "true" : "false")}");
        var attempts = new List<SentAttempt>();
        var items = new List<string>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var attemptStart = start.Instant.AddMilliseconds(Math.Max(durationMs, 0) * i / (double)Math.Max(outcomes.Length, 1));
            var at = attemptStart.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture);
            var message = attemptTexts[i].Length == 0 ? null : attemptTexts[i];
            attempts.Add(new SentAttempt(outcomes[i], attemptStart, message));
            items.Add($"{{\"number\":{i + 1},\"startedAt\":\"{at}\",\"durationMs\":{Math.Max(durationMs, 0) / Math.Max(outcomes.Length, 1)},"
                + $"\"outcome\":{Quote(outcomes[i])},\"httpStatus\":{httpStatuses[i]}"
                + (message is null ? "" : $",\"errorMessage\":{Quote(message)}") + "}");
        }
        if (outcomes.Length > 0) members.Add($"\"attempts\":[{string.Join(",", items)}]");
        return new Report(
            "{" + string.Join(",", members) + "}", connector, status, start.Instant, finished,
            latency is null ? null : double.Parse(latency, CultureInfo.InvariantCulture), errorType, errorMessage, interval.Value,
            attempts.Count == 0 ? null : attempts);
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text);
}
