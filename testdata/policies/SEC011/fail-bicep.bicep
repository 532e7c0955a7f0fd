param dbPassword string // expect: SEC011
param adminUser string = 'azureuser'
