using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>A connector whose last N runs all failed is down, whatever its success rate over longer windows.</summary>
public static class ConsecutiveFailuresRule
{
    public static Finding? Evaluate(string connector, int failureStreak, string? lastErrorType, string? lastErrorMessage, RuleThresholds thresholds)
    {
        if (!ConnectorHealthRule.IsFailing(failureStreak, thresholds.ConsecutiveFailures))
        {
            return null;
        }
        var lastError = (lastErrorType, lastErrorMessage) switch
        {
            ({ } type, { } text) => $"{type}: {text}",
            ({ } type, null) => type,
            (null, { } text) => text,
            _ => "none recorded",
        };
        var details = new Dictionary<string, string>
        {
            ["failure_streak"] = failureStreak.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = thresholds.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
        };
        if (lastErrorType is not null)
        {
            details["last_error_type"] = lastErrorType;
        }
        if (lastErrorMessage is not null)
        {
            details["last_error_message"] = lastErrorMessage;
        }
        return new Finding(
            RuleNames.ConsecutiveFailures,
            Severity.Critical,
            "",
            $"{failureStreak} failed runs in a row (last error: {lastError})",
            RecommendedAction(lastErrorType),
            details);
    }

    /// <summary>
    /// What to do about the last error. The runner reports "AuthError", "RateLimitError", "TimeoutError", "ServerError";
    /// reported runs may say "auth", "rate_limit", "timeout", "server", so the comparison ignores case, separators and
    /// an "Error" suffix.
    /// </summary>
    public static string RecommendedAction(string? errorType) => Normalize(errorType) switch
    {
        "auth" or "authentication" or "authorization" or "unauthorized" or "forbidden" =>
            "Rotate or renew the connector's credentials (API key or token) and check the account's permissions.",
        "ratelimit" or "ratelimited" or "throttled" or "toomanyrequests" => RateLimitRule.RecommendedAction,
        "timeout" or "timedout" =>
            "Check the API's latency, then raise the connector's timeout or fetch less per run.",
        "server" or "5xx" =>
            "Check the provider's status page (5xx errors): the failure is on their side; runs recover when the API does.",
        _ => "Inspect the last error in the failing run's trace.",
    };

    private static string Normalize(string? errorType)
    {
        if (errorType is null)
        {
            return "";
        }
        var letters = new string(errorType.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        return letters.Length > "error".Length && letters.EndsWith("error", StringComparison.Ordinal) ? letters[..^"error".Length] : letters;
    }
}
