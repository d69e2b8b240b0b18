using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Apis;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.UnitTests;

public class RunnerValidationTests
{
    private static string[] Failures(params (string Name, ConnectorOptions Options)[] connectors)
    {
        var options = new RunnerOptions { Connectors = connectors.ToDictionary(c => c.Name, c => c.Options) };
        var result = new RunnerOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToArray() : [];
    }

    [Fact]
    public void TheShippedCatalogShapeIsValid() =>
        Assert.Empty(Failures(
            ("good_api", new ConnectorOptions { Kind = "good_api", Interval = TimeSpan.FromSeconds(30) }),
            ("auth_failing_api", new ConnectorOptions { Kind = "auth_failing_api", Cron = "*/2 * * * *" }),
            ("open_meteo", new ConnectorOptions { Kind = "http", Enabled = false, Interval = TimeSpan.FromMinutes(15),
                Http = new HttpConnectorOptions { Url = "https://api.open-meteo.com/v1/forecast?current_weather=true" } })));

    [Fact]
    public void EachProblemNamesTheConnectorAndTheField()
    {
        var failures = Failures(
            ("orders", new ConnectorOptions { Kind = "ftp", Interval = TimeSpan.FromSeconds(5) }),
            ("billing", new ConnectorOptions { Kind = "good_api", Interval = TimeSpan.FromSeconds(5), Cron = "* * * * *" }),
            ("crm", new ConnectorOptions { Kind = "good_api", Cron = "every minute" }),
            ("erp", new ConnectorOptions { Kind = "good_api", Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.Zero,
                Retry = new RetryOptions { MaxAttempts = 0 } }),
            ("hr", new ConnectorOptions { Kind = "http", Interval = TimeSpan.FromSeconds(5),
                Http = new HttpConnectorOptions { Url = "ftp://x", SecretHeader = "X-Api-Key" } }),
            ("Bad Name", new ConnectorOptions { Kind = "good_api", Interval = TimeSpan.FromSeconds(5) }));

        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:orders:Kind 'ftp'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f == "Runner:Connectors:billing: set Interval or Cron, not both.");
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:crm:Cron 'every minute'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:erp:Timeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:erp:Retry:MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:hr:Http:Url", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:hr:Http:SecretValue", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:Bad Name:", StringComparison.Ordinal));
    }

    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnEmptyReportNamesEveryRequiredField()
    {
        var errors = RunReportsApi.Validate(new RunReport(null, null, null, null, null, null, null, null, null, null, null, null), Now);

        Assert.Equal(["connector", "finishedAt", "runId", "startedAt", "status"], errors.Keys.Order());
    }

    [Fact]
    public void AReportWithInconsistentValuesNamesEachOne()
    {
        var report = new RunReport(
            Guid.NewGuid(), "nightly_export", "exploded", Now, Now.AddMinutes(-1), -5,
            [new ReportedAttempt(2, Now, -1, "sideways", 700, null, null)], null, null, null, null, TimeSpan.Zero);

        var errors = RunReportsApi.Validate(report, Now);

        Assert.Equal(
            ["attempts[0].durationMs", "attempts[0].httpStatus", "attempts[0].number", "attempts[0].outcome", "expectedInterval", "finishedAt", "latencyMs", "status"],
            errors.Keys.Order());
    }

    [Fact]
    public void AValidReportPasses()
    {
        var report = new RunReport(
            Guid.NewGuid(), "nightly_export", "failed", Now.AddMinutes(-3), Now, 180_000,
            [new ReportedAttempt(1, Now.AddMinutes(-3), 60_000, "timed_out", null, "TimeoutError", "no answer"),
             new ReportedAttempt(2, Now.AddMinutes(-2), 50_000, "rate_limited", 429, "RateLimitError", "slow down")],
            true, "RateLimitError", "slow down", null, TimeSpan.FromHours(1));

        Assert.Empty(RunReportsApi.Validate(report, Now));
    }

    [Fact]
    public void RetryAfterIsReadAsSecondsOrAsADate()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        using var seconds = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(12));
        using var date = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        date.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Now.AddSeconds(90));
        using var past = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        past.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Now.AddSeconds(-90));

        Assert.Equal(TimeSpan.FromSeconds(12), HttpConnector.RetryAfter(seconds, time));
        Assert.Equal(TimeSpan.FromSeconds(90), HttpConnector.RetryAfter(date, time));
        Assert.Equal(TimeSpan.Zero, HttpConnector.RetryAfter(past, time));
    }
}
