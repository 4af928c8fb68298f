using Relay.Cli;

var console = CliConsole.FromSystem();
using var signals = new InterruptSignal();
return await new RelayApp(console, signals, TimeProvider.System).RunAsync(args, signals.Terminated);
