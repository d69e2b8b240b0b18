using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Metrics.Responses;

namespace ConnectorHealth.Metrics;

// The API's answers serialised by compile-time generated code: a 30-day report holds ~15,000 items.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RunPage))]
[JsonSerializable(typeof(RunDetail))]
[JsonSerializable(typeof(DailyKpiReport))]
[JsonSerializable(typeof(DailyKpi))]
[JsonSerializable(typeof(DailyKpiTotalsReport))]
[JsonSerializable(typeof(FailureReasonReport))]
[JsonSerializable(typeof(StatusBoard))]
[JsonSerializable(typeof(RunLineageDetail))]
[JsonSerializable(typeof(DatasetList))]
[JsonSerializable(typeof(DatasetDailyReport))]
[JsonSerializable(typeof(JobRowsReport))]
[JsonSerializable(typeof(LineageGraph))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;
