using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapRunsApi();
app.MapKpisApi();

app.Run();
