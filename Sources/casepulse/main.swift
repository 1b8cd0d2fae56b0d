print("casepulse")
