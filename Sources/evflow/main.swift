print("evflow: not built yet")
