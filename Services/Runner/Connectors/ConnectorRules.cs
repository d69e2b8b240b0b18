using System.Text.RegularExpressions;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>One problem with a connector's settings: the field (a configuration path, e.g. <c>Retry:MaxAttempts</c>) and what is wrong.</summary>
public sealed record ConnectorProblem(string Field, string Message);

/// <summary>
/// What a connector's settings must be, for the configured catalog and for the connectors API alike: one home, so a
/// connector the API accepts is one configuration would accept and the other way round. The run's own rules (name,
/// expected interval, owner, tags) come from <see cref="RunDefinition"/>, which every consumer applies.
/// </summary>
public static partial class ConnectorRules
{
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(1);
    public const int MaxAttempts = 20;
    public const int MaxUrlLength = 2_048;
    public const int MaxHeaders = 32;
    public const int MaxHeaderValueLength = 4_096;
    public static readonly IReadOnlyList<string> Methods = ["GET", "POST", "PUT", "HEAD"];

    /// <summary>Every problem of a connector named <paramref name="name"/> with these settings; none means it can run.</summary>
    public static List<ConnectorProblem> Problems(string name, ConnectorOptions c)
    {
        var problems = new List<ConnectorProblem>();
        void Add(string field, string message) => problems.Add(new ConnectorProblem(field, message));

        if (!RunDefinition.IsConnectorName(name))
        {
            Add("", $" the name must be {RunDefinition.ConnectorNameRule}.");
        }
        if (!ConnectorKinds.IsKnown(c.Kind))
        {
            Add("Kind", $"Kind '{c.Kind}' is not a known kind ({string.Join(", ", ConnectorKinds.All)}).");
        }
        switch (c.Interval, c.Cron)
        {
            case (null, null):
                Add("Interval", " set Interval or Cron.");
                break;
            case ({ }, { }):
                Add("Interval", " set Interval or Cron, not both.");
                break;
            case ({ } interval, null) when interval < RunDefinition.MinExpectedInterval || interval > RunDefinition.MaxExpectedInterval:
                // It travels with every run as the expected interval, which every store keeps within these bounds.
                Add("Interval", $"Interval must be between {RunDefinition.MinExpectedInterval} and {RunDefinition.MaxExpectedInterval.TotalDays:0} days (was {interval}).");
                break;
            case (null, { } cron) when !ConnectorSchedule.TryParseCron(cron, out _):
                Add("Cron", $"Cron '{cron}' is not a valid cron expression (five fields, or six with seconds, in UTC).");
                break;
        }
        if (c.Timeout <= TimeSpan.Zero || c.Timeout > MaxTimeout)
        {
            Add("Timeout", $"Timeout must be positive and at most {MaxTimeout} (was {c.Timeout}).");
        }
        if (c.Retry is not { } retry)
        {
            Add("Retry", "Retry must be an object (or left out for the defaults).");
        }
        else
        {
            if (retry.MaxAttempts is < 1 or > MaxAttempts)
            {
                Add("Retry:MaxAttempts", $"Retry:MaxAttempts must be between 1 and {MaxAttempts} (was {retry.MaxAttempts}).");
            }
            if (retry.InitialDelay < TimeSpan.Zero || retry.InitialDelay > MaxRetryDelay)
            {
                Add("Retry:InitialDelay", $"Retry:InitialDelay must be between 0 and {MaxRetryDelay} (was {retry.InitialDelay}).");
            }
            if (!double.IsFinite(retry.Multiplier) || retry.Multiplier < 1 || retry.Multiplier > 100)
            {
                Add("Retry:Multiplier", $"Retry:Multiplier must be between 1 and 100 (was {retry.Multiplier}).");
            }
            if (retry.MaxDelay < retry.InitialDelay || retry.MaxDelay > MaxRetryDelay)
            {
                Add("Retry:MaxDelay", $"Retry:MaxDelay must not be below InitialDelay nor above {MaxRetryDelay} (was {retry.MaxDelay}).");
            }
        }
        if (c.Kind == ConnectorKinds.Http)
        {
            HttpProblems(c.Http, Add);
        }
        else if (c.Http is not null)
        {
            Add("Http", $"Http is only for kind '{ConnectorKinds.Http}'.");
        }
        if (c.Owner is { } owner && RunDefinition.OwnerProblem(owner, "Owner") is { } ownerProblem)
        {
            Add("Owner", ownerProblem);
        }
        if (c.Tags is { } tags && RunDefinition.TagsProblem(tags, "Tags") is { } tagsProblem)
        {
            Add("Tags", tagsProblem);
        }
        return problems;
    }

    private static void HttpProblems(HttpConnectorOptions? http, Action<string, string> add)
    {
        if (http is null)
        {
            add("Http", $"Http is required for kind '{ConnectorKinds.Http}'.");
            return;
        }
        if (http.Url is null || http.Url.Length > MaxUrlLength || !StorableText.IsStorable(http.Url)
            || !Uri.TryCreate(http.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            add("Http:Url", $"Http:Url '{Shorten(http.Url)}' is not an absolute http(s) URL of at most {MaxUrlLength} characters.");
        }
        if (!Methods.Contains(http.Method))
        {
            add("Http:Method", $"Http:Method '{Shorten(http.Method)}' is not one of {string.Join(", ", Methods)}.");
        }
        if (http.Headers is null)
        {
            add("Http:Headers", "Http:Headers must be an object of header names and values (or left out).");
        }
        else
        {
            if (http.Headers.Count > MaxHeaders)
            {
                add("Http:Headers", $"Http:Headers may hold at most {MaxHeaders} headers (had {http.Headers.Count}).");
            }
            foreach (var (header, value) in http.Headers)
            {
                if (!IsHeaderName(header))
                {
                    add("Http:Headers", $"Http:Headers: '{Shorten(header)}' is not a header name (letters, digits and !#$%&'*+-.^_`|~).");
                }
                else if (value is null || !IsHeaderValue(value))
                {
                    add("Http:Headers", $"Http:Headers:{header} must be printable ASCII of at most {MaxHeaderValueLength} characters, with no line breaks.");
                }
            }
        }
        if (http.SecretHeader is { } secretHeader)
        {
            if (!IsHeaderName(secretHeader))
            {
                add("Http:SecretHeader", $"Http:SecretHeader '{Shorten(secretHeader)}' is not a header name.");
            }
            if (string.IsNullOrEmpty(http.SecretValue))
            {
                add("Http:SecretValue", "Http:SecretValue is required when SecretHeader is set.");
            }
            else if (!IsHeaderValue(http.SecretValue))
            {
                add("Http:SecretValue", $"Http:SecretValue must be printable ASCII of at most {MaxHeaderValueLength} characters, with no line breaks.");
            }
        }
        else if (http.SecretValue is not null)
        {
            add("Http:SecretHeader", "Http:SecretHeader names the header that carries SecretValue: set it, or leave out SecretValue.");
        }
    }

    private static bool IsHeaderName(string? name) => name is { Length: > 0 and <= 256 } && HeaderName().IsMatch(name);

    private static bool IsHeaderValue(string value) =>
        value.Length <= MaxHeaderValueLength && value.All(ch => ch == '\t' || ch is >= ' ' and <= '~');

    private static string Shorten(string? text) => text is null ? "" : text.Length > 80 ? text[..80] + "…" : text;

    // RFC 9110's token.
    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();
}
