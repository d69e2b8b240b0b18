using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Dashboard;

/// <summary>Links out of the web UI (section <c>Dashboard</c>).</summary>
public sealed class DashboardLinkOptions
{
    public const string Section = "Dashboard";

    /// <summary>The Aspire dashboard, for a run's trace.</summary>
    [Required, Url]
    public string AspireUrl { get; set; } = "http://localhost:18888";

    public string TraceUrl(string traceId) => $"{AspireUrl.TrimEnd('/')}/traces/detail/{Uri.EscapeDataString(traceId)}";
}
