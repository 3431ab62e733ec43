print("epayment-sim: not built yet")
