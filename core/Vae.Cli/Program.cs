// The `vae` command's entry point: everything lives in VaeCli (testable without a process).
return Vae.Cli.VaeCli.Run(args, Console.Out, Console.Error);
