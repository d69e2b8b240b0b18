using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Runner.Reports;

namespace ConnectorHealth.UnitTests;

public class RunnerValidationTests
{
    private static string[] Failures(params (string Name, ConnectorOptions Options)[] connectors)
    {
        var options = new RunnerOptions { Connectors = connectors.ToDictionary(c => c.Name, c => c.Options) };
        var result = new ConnectorCatalogValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToArray() : [];
    }

    [Fact]
    public void TheRunnersOwnLimitsAndItsNestedSectionsAreChecked()
    {
        var options = new RunnerOptions
        {
            BufferCapacity = 0,
            PublishTimeout = TimeSpan.Zero,
            Payload = new PayloadLimits { MaxDepth = 100 },
            Reports = new ReportLimits { ClockSkew = TimeSpan.FromDays(2) },
        };

        var result = new RunnerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = string.Join("\n", result.Failures!);
        Assert.Contains("BufferCapacity", failures, StringComparison.Ordinal);
        Assert.Contains("PublishTimeout", failures, StringComparison.Ordinal);
        Assert.Contains("Payload.MaxDepth", failures, StringComparison.Ordinal);
        Assert.Contains("Reports.ClockSkew", failures, StringComparison.Ordinal);
        Assert.False(new RunnerOptionsValidator().Validate(null, new RunnerOptions()).Failed);
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

    [Fact]
    public void AConnectorsOwnerAndTagsFollowTheRunsOwnRules()
    {
        Assert.Empty(Failures(("billing", new ConnectorOptions { Kind = ConnectorKinds.GoodApi, Interval = TimeSpan.FromMinutes(1), Owner = "team-billing", Tags = ["pii"] })));

        var failures = Failures(("billing", new ConnectorOptions { Kind = ConnectorKinds.GoodApi, Interval = TimeSpan.FromMinutes(1), Owner = " ", Tags = ["PII"] }));

        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:billing:Owner must not be empty", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Runner:Connectors:billing:Tags[0]: 'PII' is not a tag", StringComparison.Ordinal));
    }
}
