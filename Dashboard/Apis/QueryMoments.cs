using System.Globalization;

// The Metrics document types the runs' from/to query parameters as "a date-time or a date" (anyOf), which the
// generator turns into a class with no value of its own. It writes a query parameter as the value's text, so these
// give the class the moment and write it as ISO 8601.

namespace ConnectorHealth.Dashboard.Apis.Metrics
{
    public partial class From
    {
        public DateTimeOffset At { get; init; }

        public override string ToString() => At.ToString("O", CultureInfo.InvariantCulture);
    }

    public partial class To
    {
        public DateTimeOffset At { get; init; }

        public override string ToString() => At.ToString("O", CultureInfo.InvariantCulture);
    }
}
