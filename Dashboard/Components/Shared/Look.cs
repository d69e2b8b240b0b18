using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MudBlazor;

namespace ConnectorHealth.Dashboard.Components.Shared;

/// <summary>The one place that maps states and severities to colours, so every page agrees.</summary>
public static class Look
{
    // Razor encodes the text it renders, so JSON shown on a page escapes only what JSON requires (not <, > or non-ASCII).
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON indented for reading, as text.</summary>
    public static string Json(JsonElement json) => JsonSerializer.Serialize(json, IndentedJson);

    /// <summary>JSON text indented when it parses; otherwise (a sample cut short) as it is, marked as cut.</summary>
    public static string Json(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Json(document.RootElement);
        }
        catch (JsonException)
        {
            return json + " …";
        }
    }

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#24292f",
            AppbarBackground = "#24292f",
            Success = "#1a7f37",
            Error = "#cf222e",
            Warning = "#bf8700",
            Info = "#0969da",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "sans-serif"] },
        },
    };

    /// <summary>A connector's state on the status board: failing, stale, degraded or healthy.</summary>
    public static Color State(string? state) => state switch
    {
        "failing" => Color.Error,
        "stale" => Color.Dark,
        "degraded" => Color.Warning,
        "healthy" => Color.Success,
        _ => Color.Default,
    };

    public static Color RunStatus(string? status) => status switch
    {
        "succeeded" => Color.Success,
        "failed" => Color.Error,
        "aborted" => Color.Warning,
        "running" => Color.Info,
        _ => Color.Default,
    };

    public static Color Severity(string? severity) => severity switch
    {
        "critical" => Color.Error,
        "warning" => Color.Warning,
        "info" => Color.Info,
        _ => Color.Default,
    };

    public static Color AlertState(string? state) => state switch
    {
        "firing" => Color.Error,
        "acknowledged" => Color.Warning,
        "resolved" => Color.Success,
        _ => Color.Default,
    };

    public static string Percent(double? rate) => rate is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "–";

    public static string Millis(double? ms) => ms switch
    {
        null => "–",
        >= 10_000 => (ms.Value / 1000).ToString("F1", CultureInfo.InvariantCulture) + " s",
        < 10 => ms.Value.ToString("F1", CultureInfo.InvariantCulture) + " ms",
        _ => ms.Value.ToString("F0", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "–";

    /// <summary>"in 3 min": how soon something is due; "due" once the moment has passed.</summary>
    public static string Until(DateTimeOffset at)
    {
        var wait = at - DateTimeOffset.UtcNow;
        return wait.TotalSeconds switch
        {
            < 1 => "due",
            < 60 => $"in {(int)wait.TotalSeconds} s",
            < 3600 => $"in {(int)wait.TotalMinutes} min",
            < 86400 => $"in {(int)wait.TotalHours} h",
            _ => $"in {(int)wait.TotalDays} d",
        };
    }

    /// <summary>"3 min ago": how old something is, which a status board reads faster than a timestamp.</summary>
    public static string Ago(DateTimeOffset? at)
    {
        if (at is not { } then)
        {
            return "never";
        }
        var age = DateTimeOffset.UtcNow - then;
        return age.TotalSeconds switch
        {
            < 60 => "just now",
            < 3600 => $"{(int)age.TotalMinutes} min ago",
            < 86400 => $"{(int)age.TotalHours} h ago",
            _ => $"{(int)age.TotalDays} d ago",
        };
    }
}
