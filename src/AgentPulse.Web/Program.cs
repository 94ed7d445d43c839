// The app's entry point. Everything it starts is in AgentPulse.Web.Core (WebApp), so this assembly, part of every first
// load, stays small; the 3D view's assembly is loaded lazily, when /3d is opened.
await AgentPulse.Web.WebApp.RunAsync(args);
