using System.Globalization;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.Dashboard.Apis.Runner;

namespace ConnectorHealth.Dashboard.Components.Shared;

/// <summary>
/// What the connector form holds, as typed: times as text ("hh:mm:ss"), tags as one line, headers one per line. It
/// becomes the body of <c>PUT /api/connectors/{name}</c> only when every field reads; the rest the API judges.
/// Problems are keyed by the same JSON paths the API's validation problems use, so a form shows both in one place.
/// </summary>
public sealed class ConnectorDraft
{
    public const string ByInterval = "interval";
    public const string ByCron = "cron";

    public string Name { get; set; } = "";
    public string Kind { get; set; } = "good_api";
    public string Schedule { get; set; } = ByInterval;
    public string Interval { get; set; } = "00:01:00";
    public string Cron { get; set; } = "";
    public string Timeout { get; set; } = "00:00:10";
    public int MaxAttempts { get; set; } = 3;
    public string InitialDelay { get; set; } = "00:00:00.5";
    public double Multiplier { get; set; } = 2;
    public string MaxDelay { get; set; } = "00:00:30";
    public bool Jitter { get; set; } = true;
    public bool Enabled { get; set; } = true;
    public string Owner { get; set; } = "";

    /// <summary>Separated by commas or spaces.</summary>
    public string Tags { get; set; } = "";

    public string Url { get; set; } = "";
    public string Method { get; set; } = "GET";

    /// <summary>One <c>Name: value</c> a line.</summary>
    public string Headers { get; set; } = "";

    public string SecretHeader { get; set; } = "";

    /// <summary>Never filled from the API (it does not return it): empty keeps the stored secret of the same header.</summary>
    public string SecretValue { get; set; } = "";

    /// <summary>The header whose secret the runner holds, when it holds one.</summary>
    public string? StoredSecretHeader { get; private set; }

    public bool IsHttp => Kind == "http";

    /// <summary>Whether the stored secret stays when the secret value is left empty: the same header (as the runner compares them) names it.</summary>
    public bool KeepsStoredSecret => StoredSecretHeader is not null && string.Equals(SecretHeader.Trim(), StoredSecretHeader, StringComparison.OrdinalIgnoreCase);

    public static ConnectorDraft From(ConnectorView view) => new()
    {
        Name = view.Name,
        Kind = view.Kind,
        Schedule = view.Cron is null ? ByInterval : ByCron,
        Interval = view.Interval ?? "00:01:00",
        Cron = view.Cron ?? "",
        Timeout = view.Timeout,
        MaxAttempts = view.Retry.MaxAttempts,
        InitialDelay = view.Retry.InitialDelay,
        Multiplier = view.Retry.Multiplier,
        MaxDelay = view.Retry.MaxDelay,
        Jitter = view.Retry.Jitter,
        Enabled = view.Enabled,
        Owner = view.Owner ?? "",
        Tags = string.Join(", ", view.Tags),
        Url = view.Http?.Url ?? "",
        Method = view.Http?.Method ?? "GET",
        Headers = string.Join('\n', (view.Http?.Headers ?? new Dictionary<string, string>()).Select(h => $"{h.Key}: {h.Value}")),
        SecretHeader = view.Http?.SecretHeader ?? "",
        StoredSecretHeader = view.Http is { HasSecret: true, SecretHeader: { } stored } ? stored : null,
    };

    /// <summary>The request body, or the fields that do not read (by JSON path) and nothing to send.</summary>
    public (ConnectorOptions? Body, Dictionary<string, IReadOnlyList<string>> Problems) ToOptions()
    {
        var problems = new Dictionary<string, IReadOnlyList<string>>();
        void Add(string field, string message) => problems[field] = [.. problems.GetValueOrDefault(field) ?? [], message];
        string? Time(string field, string text, string label)
        {
            if (TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out var span))
            {
                return span.ToString("c", CultureInfo.InvariantCulture);
            }
            Add(field, $"{label} must be a time as hh:mm:ss (or d.hh:mm:ss), e.g. 00:05:00.");
            return null;
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            Add("connector", "Give the connector a name.");
        }
        var interval = Schedule == ByInterval ? Time("interval", Interval, "The interval") : null;
        var cron = Schedule == ByCron ? Cron.Trim() : null;
        if (cron is "")
        {
            Add("cron", "Give a cron expression (five fields, or six with seconds, in UTC).");
        }
        var body = new ConnectorOptions
        {
            Kind = Kind,
            Interval = interval,
            Cron = cron,
            Timeout = Time("timeout", Timeout, "The timeout") ?? "",
            Retry = new RetryOptions
            {
                MaxAttempts = MaxAttempts,
                InitialDelay = Time("retry.initialDelay", InitialDelay, "The first retry delay"),
                Multiplier = Multiplier,
                MaxDelay = Time("retry.maxDelay", MaxDelay, "The longest retry delay"),
                Jitter = Jitter,
            },
            Enabled = Enabled,
            Owner = string.IsNullOrWhiteSpace(Owner) ? null : Owner.Trim(),
            Tags = Tags.Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } tags ? tags : null,
            Http = IsHttp ? HttpOptions(Add) : null,
        };
        return (problems.Count == 0 ? body : null, problems);
    }

    private HttpConnectorOptions HttpOptions(Action<string, string> add)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Headers.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                add("http.headers", $"'{line}' is not a header: write Name: value.");
            }
            else if (!headers.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim()))
            {
                add("http.headers", $"'{line[..colon].Trim()}' appears twice.");
            }
        }
        var secretHeader = string.IsNullOrWhiteSpace(SecretHeader) ? null : SecretHeader.Trim();
        return new HttpConnectorOptions
        {
            Url = Url.Trim(),
            Method = Method,
            Headers = headers,
            SecretHeader = secretHeader,
            // Left out, the stored secret of the same header is kept (the API's rule); without a header there is no secret.
            SecretValue = secretHeader is null || SecretValue.Length == 0 ? null : SecretValue,
        };
    }
}
