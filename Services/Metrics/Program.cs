using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapSystemApi(ResourceNames.Metrics);
app.MapRunsApi();
app.MapKpisApi();

app.Run();
