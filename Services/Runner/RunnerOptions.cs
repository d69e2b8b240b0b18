using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Cronos;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Payloads;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner;

public sealed class RunnerOptions
{
    public const string Section = "Runner";

    /// <summary>The connector catalog, keyed by connector name.</summary>
    public Dictionary<string, ConnectorOptions> Connectors { get; set; } = [];

    /// <summary>Seeds every connector's randomness (simulations, jitter); unset means a new seed per start.</summary>
    public int? Seed { get; set; }

    /// <summary>Finished runs waiting to be published; when full, schedules wait rather than drop runs.</summary>
    [Range(1, int.MaxValue)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>What a run's payload may hold; fetched payloads are cut to fit (<c>PayloadTruncated</c>), reports over it refused.</summary>
    [Required]
    [ValidateObjectMembers]
    public PayloadLimits Payload { get; set; } = new();

    /// <summary>What <c>POST /api/runs</c> accepts.</summary>
    [Required]
    [ValidateObjectMembers]
    public ReportLimits Reports { get; set; } = new();

    /// <summary>A run report unanswered for this long (the database has not stored its group) makes the runner's /health degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReportStuckAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one publish may wait for the broker's confirmation before it is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Publishes awaiting the broker's confirmation at once.</summary>
    [Range(1, 10_000)]
    public int MaxPublishesInFlight { get; set; } = 64;

    /// <summary>
    /// A run whose publish fails this many times while the broker takes other runs is parked (<c>runner.parked_runs</c>)
    /// rather than retried for ever in front of the runs behind it.
    /// </summary>
    [Range(1, 1_000)]
    public int ParkAfterFailures { get; set; } = 3;
}

public sealed class ConnectorOptions
{
    /// <summary>Which implementation runs it: one of <see cref="ConnectorKinds.All"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Fixed schedule: time from one scheduled start to the next.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Cron schedule (five fields, or six with seconds), in UTC. Exclusive with <see cref="Interval"/>.</summary>
    public string? Cron { get; set; }

    /// <summary>Time one attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public RetryOptions Retry { get; set; } = new();

    public bool Enabled { get; set; } = true;

    /// <summary>For <c>http</c> connectors: what to call.</summary>
    public HttpConnectorOptions? Http { get; set; }
}

public sealed class RetryOptions
{
    public int MaxAttempts { get; set; } = 3;
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public double Multiplier { get; set; } = 2.0;
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Spread each delay uniformly over [delay/2, delay] so retries of many connectors don't align.</summary>
    public bool Jitter { get; set; } = true;
}

public sealed class HttpConnectorOptions
{
    public string Url { get; set; } = "";
    public string Method { get; set; } = "GET";
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Header that carries a secret (e.g. <c>Authorization</c>, <c>X-Api-Key</c>); its value comes from <see cref="SecretValue"/>.</summary>
    public string? SecretHeader { get; set; }

    /// <summary>Set from a secret store or an Aspire parameter, never committed.</summary>
    public string? SecretValue { get; set; }
}

/// <summary>Checks <see cref="RunnerOptions"/>' own limits and its nested sections at start-up; generated at compile time.</summary>
[OptionsValidator]
public sealed partial class RunnerOptionsValidator : IValidateOptions<RunnerOptions>
{
    /// <summary>Lower-case names that stand in a URL path as they are (never <c>.</c> or <c>..</c>).</summary>
    [GeneratedRegex(@"\A[a-z0-9_][a-z0-9_.-]{0,99}\z")]
    public static partial Regex ConnectorName();
}

/// <summary>
/// The rules for each connector of the catalog, which attributes cannot express: the catalog is a dictionary, a message
/// names the connector, and some rules span fields (Interval or Cron, MaxDelay against InitialDelay, Http for kind http).
/// </summary>
internal sealed class ConnectorCatalogValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        var failures = new List<string>();
        foreach (var (connector, c) in options.Connectors)
        {
            var at = $"{RunnerOptions.Section}:Connectors:{connector}";
            if (!RunnerOptionsValidator.ConnectorName().IsMatch(connector))
            {
                failures.Add($"{at}: the name may hold only a-z, 0-9, '_', '-' and '.', starts with a letter, digit or '_' and has at most 100 characters.");
            }
            if (!ConnectorKinds.IsKnown(c.Kind))
            {
                failures.Add($"{at}:Kind '{c.Kind}' is not a known kind ({string.Join(", ", ConnectorKinds.All)}).");
            }
            switch (c.Interval, c.Cron)
            {
                case (null, null):
                    failures.Add($"{at}: set Interval or Cron.");
                    break;
                case ({ }, { }):
                    failures.Add($"{at}: set Interval or Cron, not both.");
                    break;
                case ({ } interval, null) when interval <= TimeSpan.Zero:
                    failures.Add($"{at}:Interval must be positive (was {interval}).");
                    break;
                case (null, { } cron) when !ConnectorSchedule.TryParseCron(cron, out _):
                    failures.Add($"{at}:Cron '{cron}' is not a valid cron expression.");
                    break;
            }
            if (c.Timeout <= TimeSpan.Zero)
            {
                failures.Add($"{at}:Timeout must be positive (was {c.Timeout}).");
            }
            if (c.Retry.MaxAttempts is < 1 or > 20)
            {
                failures.Add($"{at}:Retry:MaxAttempts must be between 1 and 20 (was {c.Retry.MaxAttempts}).");
            }
            if (c.Retry.InitialDelay < TimeSpan.Zero)
            {
                failures.Add($"{at}:Retry:InitialDelay must not be negative (was {c.Retry.InitialDelay}).");
            }
            if (c.Retry.Multiplier < 1)
            {
                failures.Add($"{at}:Retry:Multiplier must be at least 1 (was {c.Retry.Multiplier}).");
            }
            if (c.Retry.MaxDelay < c.Retry.InitialDelay)
            {
                failures.Add($"{at}:Retry:MaxDelay must not be below InitialDelay (was {c.Retry.MaxDelay}).");
            }
            if (c.Kind == ConnectorKinds.Http)
            {
                ValidateHttp(at, c.Http, failures);
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateHttp(string at, HttpConnectorOptions? http, List<string> failures)
    {
        if (http is null)
        {
            failures.Add($"{at}:Http is required for kind 'http'.");
            return;
        }
        if (!Uri.TryCreate(http.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"{at}:Http:Url '{http.Url}' is not an absolute http(s) URL.");
        }
        if (http.Method is not ("GET" or "POST" or "PUT" or "HEAD"))
        {
            failures.Add($"{at}:Http:Method '{http.Method}' is not one of GET, POST, PUT, HEAD.");
        }
        if (http.SecretHeader is not null && string.IsNullOrEmpty(http.SecretValue))
        {
            failures.Add($"{at}:Http:SecretValue is required when SecretHeader is set.");
        }
    }
}
