// The whole host: PowerShell's own console shell, with its usual command line (-File, -Command, ...).
return Microsoft.PowerShell.ConsoleShell.Start(null, null, args);
