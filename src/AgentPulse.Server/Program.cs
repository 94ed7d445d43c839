using AgentPulse.Server;

var app = AgentPulseApp.Build(args);
app.Run();
