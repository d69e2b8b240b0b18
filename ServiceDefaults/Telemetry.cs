using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The product's own activity source and meter; registered with OpenTelemetry by the service defaults.
/// </summary>
public static class Telemetry
{
    public const string ActivitySourceName = "ConnectorHealth";
    public const string MeterName = "ConnectorHealth";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    public static readonly Meter Meter = new(MeterName);
}
