using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Apis;
using ConnectorHealth.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddOperations(ResourceNames.Alerting);

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapOperations();
app.MapAlertsApi();
app.MapAlertStreamApi();
app.MapSilencesApi();
app.MapChannelsApi();
app.MapRoutesApi();
app.MapRulesApi();
app.MapReceivedRunsApi();

app.Run();
